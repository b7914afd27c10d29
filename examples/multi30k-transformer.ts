/**
 * Reference example: a Transformer for Multi30k En→De, sized for a 2-core CPU.
 * `npm run multi30k` prepares the BPE vocab, trains, averages the last epochs,
 * translates test_2016_flickr and scores it (see scripts/multi30k.mjs).
 *
 * Paths come from the environment so the config stays portable:
 *   MULTI30K_DIR   the Multi30k files (train/val/test_2016_flickr .en.gz/.de.gz)
 *   MULTI30K_VOCAB the joint BPE vocab (`repronet vocab learn`, done by the script)
 */
import { existsSync, readFileSync } from "node:fs";

const dataDir = process.env.MULTI30K_DIR ?? "../shared/data/multi30k";
const vocab = process.env.MULTI30K_VOCAB ?? "runs/multi30k/bpe.json";
if (!existsSync(vocab)) throw new Error(`${vocab}: no BPE vocab yet (run: npm run multi30k, or repronet vocab learn)`);
/** The vocab file states its size; the network's input and output dims follow it. */
const vocabSize = (JSON.parse(readFileSync(vocab, "utf8")) as { vocab_size: number }).vocab_size;

const dModel = 256;
const heads = 4;
const ff = 1024;
const layers = 3;
const dropout = 0.2;

type Layer = Record<string, unknown>;

/** One pre-norm block: `x + drop(f(layer_norm(x)))`, as in RETURNN's Transformer configs. */
function block(net: Record<string, Layer>, prefix: string, input: string, body: (normed: string) => string): string {
  net[`${prefix}_laynorm`] = { class: "layer_norm", from: [input] };
  const out = body(`${prefix}_laynorm`);
  net[`${prefix}_drop`] = { class: "dropout", from: [out], dropout };
  net[`${prefix}_out`] = { class: "combine", kind: "add", from: [input, `${prefix}_drop`] };
  return `${prefix}_out`;
}

function feedForward(net: Record<string, Layer>, prefix: string, input: string): string {
  return block(net, `${prefix}_ff`, input, (x) => {
    net[`${prefix}_ff_conv1`] = { class: "linear", activation: "relu", with_bias: true, from: [x], n_out: ff };
    net[`${prefix}_ff_conv2`] = {
      class: "linear",
      activation: null,
      with_bias: true,
      from: [`${prefix}_ff_conv1`],
      n_out: dModel,
      dropout,
    };
    return `${prefix}_ff_conv2`;
  });
}

function selfAttention(net: Record<string, Layer>, prefix: string, input: string, leftOnly: boolean): string {
  return block(net, `${prefix}_self_att`, input, (x) => {
    net[`${prefix}_self_att_att`] = {
      class: "self_attention",
      from: [x],
      n_out: dModel,
      num_heads: heads,
      total_key_dim: dModel,
      attention_left_only: leftOnly,
      attention_dropout: dropout,
    };
    net[`${prefix}_self_att_lin`] = { class: "linear", activation: null, with_bias: false, from: [`${prefix}_self_att_att`], n_out: dModel };
    return `${prefix}_self_att_lin`;
  });
}

/** Embedding × sqrt(d) + positional encoding, with dropout. */
function embedding(net: Record<string, Layer>, prefix: string, input: string): string {
  net[`${prefix}_raw`] = { class: "linear", activation: null, with_bias: false, from: [input], n_out: dModel };
  net[`${prefix}_weighted`] = { class: "eval", from: [`${prefix}_raw`], eval: `source(0) * ${Math.sqrt(dModel)}` };
  net[`${prefix}_with_pos`] = { class: "positional_encoding", add_to_input: true, from: [`${prefix}_weighted`] };
  net[prefix] = { class: "dropout", from: [`${prefix}_with_pos`], dropout };
  return prefix;
}

function network(): Record<string, Layer> {
  const net: Record<string, Layer> = {};
  let x = embedding(net, "source_embed", "data:data");
  for (let i = 1; i <= layers; i++) {
    const p = `enc_${String(i).padStart(2, "0")}`;
    x = feedForward(net, p, selfAttention(net, p, x, false));
    net[p] = { class: "copy", from: [x] };
    x = p;
  }
  net.encoder = { class: "layer_norm", from: [x] };

  const unit: Record<string, Layer> = {
    output: { class: "choice", target: "classes", beam_size: 5, from: ["output_prob"], initial_output: 0 },
    end: { class: "compare", from: ["output"], value: 0 },
  };
  let y = embedding(unit, "target_embed", "prev:output");
  for (let i = 1; i <= layers; i++) {
    const p = `dec_${String(i).padStart(2, "0")}`;
    y = selfAttention(unit, p, y, true);
    // Cross-attention: keys and values from the encoder (computed once, outside the loop).
    net[`${p}_att_key0`] = { class: "linear", activation: null, with_bias: false, from: ["encoder"], n_out: dModel };
    net[`${p}_att_key`] = { class: "split_dims", axis: "F", dims: [heads, dModel / heads], from: [`${p}_att_key0`] };
    net[`${p}_att_value0`] = { class: "linear", activation: null, with_bias: false, from: ["encoder"], n_out: dModel };
    net[`${p}_att_value`] = { class: "split_dims", axis: "F", dims: [heads, dModel / heads], from: [`${p}_att_value0`] };
    y = block(unit, `${p}_att`, y, (q) => {
      unit[`${p}_att_query0`] = { class: "linear", activation: null, with_bias: false, from: [q], n_out: dModel };
      unit[`${p}_att_query`] = { class: "split_dims", axis: "F", dims: [heads, dModel / heads], from: [`${p}_att_query0`] };
      unit[`${p}_att_energy`] = {
        class: "dot",
        red1: -1,
        red2: -1,
        var1: "T",
        var2: "T?",
        from: [`base:${p}_att_key`, `${p}_att_query`],
      };
      unit[`${p}_att_weights`] = {
        class: "softmax_over_spatial",
        from: [`${p}_att_energy`],
        energy_factor: (dModel / heads) ** -0.5,
      };
      unit[`${p}_att_weights_drop`] = {
        class: "dropout",
        dropout_noise_shape: { "*": null },
        from: [`${p}_att_weights`],
        dropout,
      };
      unit[`${p}_att0`] = { class: "generic_attention", weights: `${p}_att_weights_drop`, base: `base:${p}_att_value` };
      unit[`${p}_att_att`] = { class: "merge_dims", axes: "static", from: [`${p}_att0`] };
      unit[`${p}_att_lin`] = { class: "linear", activation: null, with_bias: false, from: [`${p}_att_att`], n_out: dModel };
      return `${p}_att_lin`;
    });
    y = feedForward(unit, p, y);
    unit[p] = { class: "copy", from: [y] };
    y = p;
  }
  unit.decoder = { class: "layer_norm", from: [y] };
  unit.output_prob = {
    class: "softmax",
    from: ["decoder"],
    target: "classes",
    loss: "ce",
    loss_opts: { label_smoothing: 0.1 },
  };
  net.output = { class: "rec", from: [], unit, target: "classes", max_seq_len: "max_len_from('base:encoder') * 3" };
  net.decision = { class: "decide", from: ["output"], loss: "edit_distance", target: "classes" };
  return net;
}

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
  eval_datasets: { test2016: split("test_2016_flickr"), test2017: split("test_2017_flickr") },
  batch_size: 3000,
  max_seqs: 128,
  max_seq_length: 100,
  // 18 epochs ≈ 2 h on the 2-core reference machine (README); the noam schedule does not
  // depend on num_epochs, so epochs 1–18 are the same with more.
  num_epochs: 18,
  optimizer: { class: "adam", beta1: 0.9, beta2: 0.98, epsilon: 1e-9 },
  learning_rate: 0.0008,
  learning_rate_warmup_steps: 1000,
  learning_rate_schedule: "noam",
  gradient_clip_global_norm: 1.0,
  log_verbosity: 3,
  network: network(),
};
