/**
 * RETURNN's classic 2018 attention model (returnn-experiments
 * 2018-attention, the WMT/Switchboard configs) for Multi30k En→De, sized for a
 * 2-core CPU: a BLSTM encoder, an LSTM decoder (`rnn_cell` LSTMBlock) with MLP
 * attention and weight feedback (accumulated attention weights scaled by a
 * learned fertility), a maxout readout and label smoothing.
 *
 * This is the recipe that trains well in 2 h on 2 cores: 2 encoder layers,
 * batches of at most 64 sentences / 2500 tokens, a 300-step learning-rate
 * warm-up, no pretraining, 11 epochs — 36.6 BLEU on test_2016_flickr after
 * 110 min of training on the 2-core AMD EPYC (average of epochs 9–11). `multi30k-lstm-attention-2018.ts` is the 2018
 * recipe itself (4 encoder layers grown by pretraining, 200-sentence batches);
 * both are measured in the README.
 *
 * Deliberate differences from the 2018 configs: smaller dims; no time
 * reduction between the encoder layers (RETURNN's MT configs have none either;
 * the ASR ones max-pool over time with `pool`).
 *
 * Paths come from the environment, as in multi30k-transformer.ts:
 *   MULTI30K_DIR   the Multi30k files
 *   MULTI30K_VOCAB the joint BPE vocab (`repronet vocab learn`, done by scripts/multi30k.mjs)
 */
import { existsSync, readFileSync } from "node:fs";

const dataDir = process.env.MULTI30K_DIR ?? "../shared/data/multi30k";
const vocab = process.env.MULTI30K_VOCAB ?? "runs/multi30k/bpe.json";
if (!existsSync(vocab))
  throw new Error(`${vocab}: no BPE vocab yet (run: npm run multi30k, or repronet vocab learn)`);
const vocabSize = (JSON.parse(readFileSync(vocab, "utf8")) as { vocab_size: number }).vocab_size;

const embed = 256;
const encDim = 256; // per direction
const attDim = 256;
const decDim = 512;
const dropout = 0.3;

type Layer = Record<string, unknown>;
type Net = Record<string, Layer>;

/**
 * The network with `encLayers` BLSTM layers in the encoder. `query` is the
 * decoder state the attention reads: RETURNN's 2018 configs take the whole
 * LSTM state [c; h] ("*"); the recipe here takes h only, because the cell
 * state c grows without bound along the sentence (a learned step counter,
 * RMS ≈ 0.3 × the step) and pushes tanh(enc_ctx + W·[c; h]) into saturation,
 * which flattens the attention after the first few words (README).
 */
export function network(encLayers: number, query: "*" | "h" = "h"): Net {
  const net: Net = {
    source_embed: {
      class: "linear",
      activation: null,
      with_bias: false,
      from: ["data:data"],
      n_out: embed,
      dropout: 0.1,
    },
  };
  let from = ["source_embed"];
  for (let i = 0; i < encLayers; i++) {
    for (const [dir, direction] of [
      ["fw", 1],
      ["bw", -1],
    ] as const)
      net[`lstm${i}_${dir}`] = { class: "rec", unit: "nativelstm2", n_out: encDim, direction, dropout, from };
    from = [`lstm${i}_fw`, `lstm${i}_bw`];
  }
  net.encoder = { class: "copy", from };
  net.enc_ctx = { class: "linear", activation: null, with_bias: true, from: ["encoder"], n_out: attDim };
  net.inv_fertility = {
    class: "linear",
    activation: "sigmoid",
    with_bias: false,
    from: ["encoder"],
    n_out: 1,
  };
  net.output = {
    class: "rec",
    from: [],
    target: "classes",
    max_seq_len: "max_len_from('base:encoder') * 3",
    unit: {
      output: { class: "choice", target: "classes", beam_size: 5, from: ["output_prob"], initial_output: 0 },
      end: { class: "compare", from: ["output"], value: 0 },
      target_embed: {
        class: "linear",
        activation: null,
        with_bias: false,
        from: ["output"],
        n_out: embed,
        initial_output: 0,
      },
      weight_feedback: {
        class: "linear",
        activation: null,
        with_bias: false,
        from: ["prev:accum_att_weights"],
        n_out: attDim,
      },
      prev_s_state: {
        class: "get_last_hidden_state",
        from: ["prev:s"],
        key: query,
        n_out: query === "h" ? decDim : 2 * decDim,
      },
      prev_s_transformed: {
        class: "linear",
        activation: null,
        with_bias: false,
        from: ["prev_s_state"],
        n_out: attDim,
      },
      energy_in: {
        class: "combine",
        kind: "add",
        from: ["base:enc_ctx", "weight_feedback", "prev_s_transformed"],
      },
      energy_tanh: { class: "activation", activation: "tanh", from: ["energy_in"] },
      energy: { class: "linear", activation: null, with_bias: false, from: ["energy_tanh"], n_out: 1 },
      att_weights: { class: "softmax_over_spatial", from: ["energy"] },
      accum_att_weights: {
        class: "eval",
        from: ["prev:accum_att_weights", "att_weights", "base:inv_fertility"],
        eval: "source(0) + source(1) * source(2) * 0.5",
        out_type: { dim: 1, shape: [null, 1] },
      },
      // repronet's generic_attention keeps the weights' size-1 axis ([B, 1, F]); merged to [B, F] as in RETURNN.
      att0: { class: "generic_attention", weights: "att_weights", base: "base:encoder" },
      att: { class: "merge_dims", axes: "static", from: ["att0"] },
      s: { class: "rnn_cell", unit: "LSTMBlock", from: ["target_embed", "att"], n_out: decDim },
      readout_in: {
        class: "linear",
        activation: null,
        from: ["prev:s", "prev:target_embed", "att"],
        n_out: decDim,
      },
      readout: { class: "reduce_out", mode: "max", num_pieces: 2, from: ["readout_in"] },
      output_prob: {
        class: "softmax",
        from: ["readout"],
        dropout,
        target: "classes",
        loss: "ce",
        loss_opts: { label_smoothing: 0.1 },
      },
    },
  };
  net.decision = { class: "decide", from: ["output"], loss: "edit_distance", target: "classes" };
  return net;
}

/**
 * RETURNN's 2018 `custom_construction_algo` for an encoder of `encLayers`:
 * pretrain step idx uses idx + 2 encoder layers at a width growing from half
 * to full (the attention dims stay); label smoothing only in the full network.
 */
export const growEncoder =
  (encLayers: number) =>
  (idx: number, net: Net): Net | null => {
    const start = 2;
    const layers = idx + start;
    if (layers >= encLayers) return null;
    net.encoder.from = [`lstm${layers - 1}_fw`, `lstm${layers - 1}_bw`];
    for (let i = layers; i < encLayers; i++) {
      delete net[`lstm${i}_fw`];
      delete net[`lstm${i}_bw`];
    }
    const dimFrac = 0.5 + 0.5 * (1 - (encLayers - layers) / (encLayers - start));
    for (let i = 0; i < layers; i++)
      for (const dir of ["fw", "bw"]) {
        const l = net[`lstm${i}_${dir}`];
        l.n_out = Math.floor((l.n_out as number) * dimFrac);
        l.dropout = (l.dropout as number) * dimFrac;
      }
    const unit = net.output.unit as Net;
    unit.output_prob.loss_opts = { label_smoothing: 0 };
    return net;
  };

const split = (name: string) => ({
  class: "parallel_text",
  source: `${dataDir}/${name}.en.gz`,
  target: `${dataDir}/${name}.de.gz`,
  vocab,
});

export default {
  random_seed: 1,
  extern_data: { data: { dim: vocabSize, sparse: true }, classes: { dim: vocabSize, sparse: true } },
  train: { ...split("train"), seq_ordering: "laplace:100" },
  dev: split("val"),
  eval_datasets: { test2016: split("test_2016_flickr") },
  batch_size: 2500,
  max_seqs: 64,
  max_seq_length: 75,
  num_epochs: 11,
  optimizer: { class: "adam", epsilon: 1e-8 },
  learning_rate: 0.0008,
  learning_rate_warmup_steps: 300,
  learning_rate_control: "newbob_multi_epoch",
  newbob_multi_num_epochs: 1,
  newbob_multi_update_interval: 1,
  newbob_learning_rate_decay: 0.7,
  gradient_clip_global_norm: 5.0,
  log_verbosity: 3,
  network: network(2),
};
