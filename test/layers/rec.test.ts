/**
 * The `rec` layer in training (teacher forcing), as a whole: a small decoder
 * unit with every kind of step layer the reference uses — prev:output
 * embedding, causal self-attention with attention_dropout, dot attention into
 * the encoder (base:), choice and decide — checked by central differences
 * against every parameter element (full tensors, not samples).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildNetwork } from "../../src/network/network.js";
import type { Batch } from "../../src/network/types.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { gradCheck } from "../helpers/gradcheck.js";

const V = 5;

function tinyConfig(): Record<string, unknown> {
  const lin = (from: string, nOut: number, activation: string | null = null, withBias = false) => ({
    class: "linear",
    activation,
    with_bias: withBias,
    from: [from],
    n_out: nOut,
  });
  return {
    random_seed: 3,
    extern_data: { data: { dim: V, sparse: true }, classes: { dim: V, sparse: true } },
    network: {
      enc: lin("data:data", 4, "tanh", true),
      enc_key0: lin("enc", 4),
      enc_key: { class: "split_dims", axis: "F", dims: [1, 4], from: ["enc_key0"] },
      enc_value0: lin("enc", 4),
      enc_value: { class: "split_dims", axis: "F", dims: [1, 4], from: ["enc_value0"] },
      output: {
        class: "rec",
        from: [],
        unit: {
          output: {
            class: "choice",
            target: "classes",
            beam_size: 2,
            from: ["output_prob"],
            initial_output: 0,
          },
          end: { class: "compare", from: ["output"], value: 0 },
          target_embed: lin("prev:output", 4),
          self_att: {
            class: "self_attention",
            from: ["target_embed"],
            n_out: 4,
            num_heads: 1,
            total_key_dim: 4,
            attention_left_only: true,
            attention_dropout: 0.2,
          },
          query0: lin("self_att", 4),
          query: { class: "split_dims", axis: "F", dims: [1, 4], from: ["query0"] },
          energy: {
            class: "dot",
            red1: -1,
            red2: -1,
            var1: "T",
            var2: "T?",
            from: ["base:enc_key", "query"],
          },
          weights: { class: "softmax_over_spatial", from: ["energy"], energy_factor: 0.5 },
          att0: { class: "generic_attention", weights: "weights", base: "base:enc_value" },
          att: { class: "merge_dims", axes: "static", from: ["att0"] },
          comb: { class: "combine", kind: "add", from: ["self_att", "att"] },
          output_prob: {
            class: "softmax",
            from: ["comb"],
            target: "classes",
            loss: "ce",
            loss_opts: { label_smoothing: 0.1 },
          },
        },
      },
      decision: {
        class: "decide",
        from: ["output"],
        loss: "edit_distance",
        target: "classes",
        loss_opts: {},
      },
    },
  };
}

function padded(seqs: number[][]): { value: Tensor; lengths: Int32Array } {
  const T = Math.max(...seqs.map((s) => s.length));
  const value = new Int32Array(seqs.length * T);
  seqs.forEach((s, b) => {
    value.set(s, b * T);
  });
  return { value: new Tensor([seqs.length, T], value), lengths: Int32Array.from(seqs, (s) => s.length) };
}

const batch: Batch = {
  data: {
    data: padded([
      [1, 2, 3, 4],
      [4, 2],
    ]),
    classes: padded([
      [4, 3, 2, 1, 0],
      [2, 4, 0],
    ]),
  },
};

test("gradcheck layer:rec layer:choice layer:decide — a decoder unit in training, every parameter element", () => {
  const net = buildNetwork(tinyConfig(), "rec.json");
  const objective = () => net.forward(batch, { train: true, step: 2 }).objective!;
  objective(); // creates the parameters
  const params = net.params.list();
  assert.ok(
    params.some((p) => p.name.startsWith("output/self_att/")),
    params.map((p) => p.name).join(),
  );
  gradCheck(
    objective,
    params.map((p) => p.value),
    { eps: 1e-2, atol: 1e-3, rtol: 1e-2 },
  );
});

test("rec in training reports the unit's ce loss and decide's edit distance", () => {
  const net = buildNetwork(tinyConfig(), "rec.json");
  const r = net.forward(batch, { train: true, step: 2 });
  const names = r.losses.map((l) => l.name).sort();
  assert.deepEqual(names, ["decision", "output/output_prob"]);
  const decision = r.losses.find((l) => l.name === "decision")!;
  assert.equal(decision.inObjective, false, "edit_distance is an error measure only");
});

test("rec size_target: the decoder runs for the steps of that data key in training (RETURNN's demo-tf-att-copy)", () => {
  const config = {
    random_seed: 3,
    extern_data: { data: { dim: V, sparse: true }, classes: { dim: V, sparse: true } },
    network: {
      decoder: {
        class: "rec",
        from: [],
        size_target: "classes",
        unit: {
          output: {
            class: "linear",
            activation: "tanh",
            from: ["prev:output"],
            n_out: 3,
            out_type: { shape: [3] },
          },
        },
      },
      output: { class: "softmax", from: ["decoder"], target: "classes", loss: "ce" },
    },
  };
  const net = buildNetwork(config, "size-target.json");
  const r = net.forward(batch, { train: true, step: 0 });
  assert.ok(Number.isFinite(r.objective!.f32[0]));
  const decoder = net.layerOutput(batch, "decoder");
  assert.deepEqual(decoder.value.shape, [2, 5, 3], "5 steps: the longest classes sequence");
  assert.deepEqual(Array.from(decoder.dims[1].lengths!), [5, 3], "the classes lengths");
});

test("rec options cheating (false) and unroll change nothing in training", () => {
  const plain = buildNetwork(tinyConfig(), "rec.json").forward(batch, { train: false, step: 0 }).objective!;
  const config = tinyConfig();
  const network = config.network as Record<string, Record<string, unknown>>;
  network.output = { ...network.output, cheating: false, unroll: true };
  const withOptions = buildNetwork(config, "rec.json").forward(batch, { train: false, step: 0 }).objective!;
  assert.equal(withOptions.f32[0], plain.f32[0]);
});
