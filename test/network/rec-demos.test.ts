/**
 * RETURNN's demo networks (demos/demo-tf-attention.config and
 * demo-tf-enc-dec.config), converted by hand to JSON, train on random data:
 * a few Adam steps on one batch lower the loss. The enc-dec demo also searches.
 * Conversions: the attention demo's TaskXmlModelingDataset becomes random
 * tokens; the enc-dec demo's `target_with_eos` (postfix_in_time +
 * register_as_extern_data) becomes `classes` ending in label 0, with `end` at 0.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildNetwork } from "../../src/network/network.js";
import type { Batch } from "../../src/network/types.js";
import { adamUpdate, newAdamSlots } from "../../src/optim/adam.js";
import { valueAndGrads } from "../../src/tensor/tape.js";
import { liveTensorCount, Tensor, tidy } from "../../src/tensor/tensor.js";
import { assertParamGradients, testRandom } from "../helpers/gradcheck.js";

const V = 12;
const extern_data = { data: { dim: V, sparse: true }, classes: { dim: V, sparse: true } };

const demoAttention = {
  lstm0_fw: { class: "rec", unit: "lstmp", n_out: 20, dropout: 0.0, L2: 0.01, direction: 1 },
  lstm0_bw: { class: "rec", unit: "lstmp", n_out: 20, dropout: 0.0, L2: 0.01, direction: -1 },
  lstm1_fw: {
    class: "rec",
    unit: "lstmp",
    n_out: 20,
    dropout: 0.0,
    L2: 0.01,
    direction: 1,
    from: ["lstm0_fw", "lstm0_bw"],
  },
  lstm1_bw: {
    class: "rec",
    unit: "lstmp",
    n_out: 20,
    dropout: 0.0,
    L2: 0.01,
    direction: -1,
    from: ["lstm0_fw", "lstm0_bw"],
  },
  encoder: { class: "linear", activation: "tanh", from: ["lstm1_fw", "lstm1_bw"], n_out: 20 },
  enc_ctx: { class: "linear", activation: "tanh", from: ["encoder"], n_out: 20 },
  output: {
    class: "rec",
    from: [],
    unit: {
      orth_embed: { class: "linear", activation: null, from: ["data:classes"], n_out: 10 },
      s: { class: "rnn_cell", unit: "LSTMBlock", from: ["prev:c", "prev:orth_embed"], n_out: 20 },
      c_in: { class: "linear", activation: "tanh", from: ["s", "prev:orth_embed"], n_out: 20 },
      c: {
        class: "dot_attention",
        from: ["c_in"],
        base: "base:encoder",
        base_ctx: "base:enc_ctx",
        n_out: 20,
      },
      output: { class: "softmax", from: ["prev:s", "c"], target: "classes" },
    },
    target: "classes",
    loss: "ce",
  },
};

const layerDim = 10;
const demoEncDec = {
  input_embed: { class: "linear", activation: null, from: "data", n_out: layerDim },
  input: { class: "rec", unit: "nativelstm2", from: "input_embed", n_out: layerDim, L2: 0.01 },
  input_last: { class: "get_last_hidden_state", from: "input", n_out: layerDim * 2 },
  output: {
    class: "rec",
    from: [],
    unit: {
      output_embed: { class: "linear", activation: null, from: "output", n_out: layerDim },
      s: {
        class: "rec",
        unit: "nativelstm2",
        from: ["prev:output_embed", "base:input_last"],
        n_out: layerDim,
      },
      prob: { class: "softmax", from: "s", target: "classes", loss: "ce" },
      output: { class: "choice", from: "prob", target: "classes", beam_size: 8 },
      end: { class: "compare", from: "output", value: 0 },
    },
    target: "classes",
    max_seq_len: "max_len_from('base:input_embed') * 2",
  },
};

/** Random sequences (lengths 2…6); targets end in label 0. */
function randomBatch(seed: number, B = 4): Batch {
  const r = testRandom(seed);
  const seqs = (eos: boolean) =>
    Array.from({ length: B }, () => {
      const len = 2 + Math.floor(r() * 5);
      return Array.from({ length: len }, (_, t) =>
        eos && t === len - 1 ? 0 : 1 + Math.floor(r() * (V - 1)),
      );
    });
  const pad = (s: number[][]) => {
    const T = Math.max(...s.map((x) => x.length));
    return {
      value: new Tensor(
        [B, T],
        Int32Array.from({ length: B * T }, (_, i) => s[Math.floor(i / T)][i % T] ?? 0),
      ),
      lengths: Int32Array.from(s, (x) => x.length),
    };
  };
  return { data: { data: pad(seqs(false)), classes: pad(seqs(true)) } };
}

/** The objective before and after `steps` Adam steps on one batch. */
function trainSteps(network: object, steps: number): { first: number; last: number } {
  const net = buildNetwork({ extern_data, network, random_seed: 1 }, "demo.json");
  const params = net.params.list().filter((p) => p.trainable);
  const slots = params.map((p) => newAdamSlots(p.value.size));
  const batch = randomBatch(1);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++)
    losses.push(
      tidy(() => {
        const { value, grads } = valueAndGrads(
          () => net.forward(batch, { train: true, step }).objective!,
          params.map((p) => p.value),
        );
        for (const [i, p] of params.entries()) {
          const g = grads[i];
          if (g)
            adamUpdate(p.value, g, slots[i], 0.01, step + 1, {
              beta1: 0.9,
              beta2: 0.999,
              epsilon: 1e-8,
              weightDecay: 0,
            });
        }
        return value.item();
      }),
    );
  return { first: losses[0], last: losses[losses.length - 1] };
}

/**
 * Beam search on `sources`, then teacher forcing on the labels it found: the
 * summed cross-entropy (loss `lossName`, no smoothing) must be minus the summed
 * scores (no length normalisation). Also: the search leaks no tensors.
 */
function assertSearchMatchesTeacherForcing(network: object, seed: number, lossName: string): void {
  const net = buildNetwork({ extern_data, network, random_seed: seed }, "demo.json");
  const sources = randomBatch(seed + 1).data.data;
  const live = liveTensorCount();
  const found = net.search({ data: { data: sources } }, { beamSize: 3 });
  assert.equal(liveTensorCount(), live, "search leaks no tensors");
  assert.equal(found.labels.length, 4);
  const T = Math.max(...found.labels.map((l) => l.length));
  const classes = {
    value: new Tensor(
      [4, T],
      Int32Array.from({ length: 4 * T }, (_, i) => found.labels[Math.floor(i / T)][i % T] ?? 0),
    ),
    lengths: Int32Array.from(found.labels, (l) => l.length),
  };
  const ce = tidy(
    () =>
      net
        .forward({ data: { data: sources, classes } }, { train: false, step: 0 })
        .losses.find((l) => l.name === lossName)!.value!,
  );
  const total = found.scores.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(ce + total) < 1e-4 * Math.abs(total), `teacher forcing ${ce} vs search ${-total}`);
}

test("RETURNN demo-tf-attention (recurrent dot attention, rnn_cell LSTMBlock, BLSTM lstmp) trains", () => {
  const { first, last } = trainSteps(demoAttention, 12);
  assert.ok(Number.isFinite(first) && last < 0.8 * first, `loss ${first} → ${last}`);
});

test("RETURNN demo-tf-enc-dec (get_last_hidden_state broadcast into the decoder LSTM) trains", () => {
  const { first, last } = trainSteps(demoEncDec, 12);
  assert.ok(Number.isFinite(first) && last < 0.8 * first, `loss ${first} → ${last}`);
});

test("demo-tf-enc-dec: beam search (prev:output_embed of the chosen labels carried) scores as teacher forcing", () => {
  const network = structuredClone(demoEncDec);
  (network.output.unit.output as Record<string, unknown>).length_normalization = false;
  assertSearchMatchesTeacherForcing(network, 1, "output/prob");
});

/** The decoder of RETURNN's 2018 attention configs at tiny dims (as examples/multi30k-lstm-attention.ts). */
const attention2018 = {
  source_embed: { class: "linear", activation: null, with_bias: false, from: ["data:data"], n_out: 6 },
  lstm0_fw: { class: "rec", unit: "nativelstm2", n_out: 5, direction: 1, from: ["source_embed"] },
  lstm0_bw: { class: "rec", unit: "nativelstm2", n_out: 5, direction: -1, from: ["source_embed"] },
  encoder: { class: "copy", from: ["lstm0_fw", "lstm0_bw"] },
  enc_ctx: { class: "linear", activation: null, with_bias: true, from: ["encoder"], n_out: 7 },
  inv_fertility: { class: "linear", activation: "sigmoid", with_bias: false, from: ["encoder"], n_out: 1 },
  output: {
    class: "rec",
    from: [],
    target: "classes",
    max_seq_len: "max_len_from('base:encoder') * 2",
    unit: {
      output: {
        class: "choice",
        target: "classes",
        beam_size: 3,
        from: ["output_prob"],
        initial_output: 0,
        length_normalization: false,
      },
      end: { class: "compare", from: ["output"], value: 0 },
      target_embed: {
        class: "linear",
        activation: null,
        with_bias: false,
        from: ["output"],
        n_out: 6,
        initial_output: 0,
      },
      weight_feedback: {
        class: "linear",
        activation: null,
        with_bias: false,
        from: ["prev:accum_att_weights"],
        n_out: 7,
      },
      prev_s_state: { class: "get_last_hidden_state", from: ["prev:s"], n_out: 16 },
      prev_s_transformed: {
        class: "linear",
        activation: null,
        with_bias: false,
        from: ["prev_s_state"],
        n_out: 7,
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
      att0: { class: "generic_attention", weights: "att_weights", base: "base:encoder" },
      att: { class: "merge_dims", axes: "static", from: ["att0"] },
      s: { class: "rnn_cell", unit: "LSTMBlock", from: ["target_embed", "att"], n_out: 8 },
      readout_in: {
        class: "linear",
        activation: null,
        from: ["prev:s", "prev:target_embed", "att"],
        n_out: 8,
      },
      readout: { class: "reduce_out", mode: "max", num_pieces: 2, from: ["readout_in"] },
      output_prob: { class: "softmax", from: ["readout"], target: "classes", loss: "ce" },
    },
  },
};

test("RETURNN's 2018 attention decoder (weight feedback, prev:s state, maxout) trains, and search scores as teacher forcing", () => {
  const { first, last } = trainSteps(attention2018, 12);
  assert.ok(Number.isFinite(first) && last < 0.9 * first, `loss ${first} → ${last}`);
  assertSearchMatchesTeacherForcing(attention2018, 2, "output/output_prob");
});

test("RETURNN's 2018 attention model: every parameter's gradient (label smoothing, weight feedback, maxout) matches central differences", () => {
  // The whole model of examples/multi30k-lstm-attention.ts at tiny dims, so a slow-learning run can be told
  // from a wrong gradient: sampled elements of every parameter, in the loop and outside it. eps 3e-3, as 1e-2
  // crosses a maxout kink (two readout pieces closer than that).
  const unit = { ...attention2018.output.unit };
  unit.output_prob = { ...unit.output_prob, loss_opts: { label_smoothing: 0.1 } } as typeof unit.output_prob;
  const network = { ...attention2018, output: { ...attention2018.output, unit } };
  const net = buildNetwork({ extern_data, network, random_seed: 3 }, "demo.json");
  assert.equal(net.params.list().length, 20);
  assertParamGradients(net, randomBatch(5, 3), { train: false, step: 0, samples: 3, eps: 3e-3, seed: 17 });
});

test('initial_output "base:x" in training and search: the decoder LSTM reads prev:att, which starts as the mean encoder state', () => {
  const unit = { ...attention2018.output.unit };
  unit.s = { ...unit.s, from: ["target_embed", "prev:att"] };
  (unit as Record<string, unknown>).att = { ...unit.att, initial_output: "base:enc_mean" };
  const network = {
    ...attention2018,
    enc_mean: { class: "reduce", mode: "mean", axis: "T", from: "encoder" },
    output: { ...attention2018.output, unit },
  };
  const { first, last } = trainSteps(network, 12);
  assert.ok(Number.isFinite(first) && last < 0.9 * first, `loss ${first} → ${last}`);
  // Search repeats enc_mean per hypothesis and reorders prev:att with the beam.
  assertSearchMatchesTeacherForcing(network, 2, "output/output_prob");
});

test("a base: layer first read while probing a prev: shape outlives the probe (the unit reads it at every step)", () => {
  // att has no declared dims (combine), so prev:att is probed at step 0, and that probe is the first to read
  // base:z_enc_sum (named to sort after "output": top-level layers are computed in name order).
  const network = {
    enc: { class: "linear", activation: "tanh", from: "data:data", n_out: 4 },
    z_enc_sum: { class: "reduce", mode: "sum", axis: "T", from: "enc" },
    output: {
      class: "rec",
      from: [],
      target: "classes",
      unit: {
        s: { class: "linear", activation: "tanh", from: ["prev:att", "prev:output"], n_out: 4 },
        att: { class: "combine", kind: "add", from: ["s", "base:z_enc_sum"] },
        output: { class: "softmax", from: "att", loss: "ce", target: "classes" },
      },
    },
  };
  const { first, last } = trainSteps(network, 3);
  assert.ok(Number.isFinite(first) && last < first, `loss ${first} → ${last}`);
});
