/**
 * The recurrent loop of rec units in training (src/network/rec-loop.ts): which
 * layers it runs, gradients through it (central differences on every
 * parameter), and padding beyond the sequence ends.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parseExternData, parseNetwork } from "../../src/network/graph.js";
import { buildNetwork } from "../../src/network/network.js";
import { loopLayers } from "../../src/network/rec-loop.js";
import type { Batch } from "../../src/network/types.js";
import { valueAndGrads } from "../../src/tensor/tape.js";
import { Tensor, tidy } from "../../src/tensor/tensor.js";
import "../../src/layers/index.js";
import { batchDim, staticDim } from "../../src/network/data.js";
import { inputDropout } from "../../src/network/dropout.js";
import { assertParamGradients, centralDifference, testRandom } from "../helpers/gradcheck.js";
import { dataOf, layerContext } from "../helpers/layer-harness.js";

type Unit = Record<string, Record<string, unknown>>;
/** The LSTM attention fixture with the decoder LSTM reading prev:att (s, att and its inputs form the loop). */
function recurrentConfig(decoderCell?: Record<string, unknown>): Record<string, unknown> {
  const c = JSON.parse(readFileSync("test/fixtures/rec/lstm-attention.json", "utf8"));
  const unit = c.network.output.unit as Unit;
  if (decoderCell) unit.s = { ...unit.s, ...decoderCell };
  unit.s.from = ["target_embed", "prev:att"];
  unit.output_prob.loss_opts = {};
  return c;
}

function batchOf(src: number[][], tgt: number[][], fill: () => number): Batch {
  const pad = (seqs: number[][]) => {
    const T = Math.max(...seqs.map((s) => s.length));
    const value = new Tensor(
      [seqs.length, T],
      Int32Array.from({ length: seqs.length * T }, (_, i) => {
        const [b, t] = [Math.floor(i / T), i % T];
        return t < seqs[b].length ? seqs[b][t] : fill();
      }),
    );
    return { value, lengths: Int32Array.from(seqs, (s) => s.length) };
  };
  return { data: { data: pad(src), classes: pad(tgt) } };
}

const src = [
  [3, 5, 7, 9],
  [4, 6],
];
const tgt = [
  [9, 7, 5, 3, 0],
  [6, 4, 0],
];

test("the loop holds exactly the layers on a prev: cycle (a choice's prev: is the target)", () => {
  const config = recurrentConfig();
  const externs = parseExternData(config.extern_data, "c.json");
  const graph = parseNetwork(config.network, "c.json", externs);
  const unit = graph.layers.get("output")!.unit!;
  assert.deepEqual([...loopLayers(unit)].sort(), [
    "att",
    "att0",
    "att_energy",
    "att_query",
    "att_query0",
    "att_weights",
    "s",
  ]);
  const plain = parseNetwork(
    JSON.parse(readFileSync("test/fixtures/rec/lstm-attention.json", "utf8")).network,
    "c.json",
    externs,
  );
  assert.deepEqual([...loopLayers(plain.layers.get("output")!.unit!)], []);
});

for (const [cell, decoderCell] of [
  ["rec nativelstm2", undefined],
  // rnn_cell LSTMBlock: its weights are re-laid out once per loop and shared by the steps.
  ["rnn_cell LSTMBlock", { class: "rnn_cell", unit: "LSTMBlock" }],
] as const)
  test(`gradients through the recurrent loop match central differences (decoder ${cell}; sampled elements of every parameter)`, () => {
    const net = buildNetwork(recurrentConfig(decoderCell), "c.json");
    assertParamGradients(
      net,
      batchOf(src, tgt, () => 0),
      { train: true, step: 1, samples: 2, eps: 1e-2, seed: 13 },
    );
  });

test("labels beyond the sequence ends change no loss and no gradient of a recurrent unit", () => {
  const net = buildNetwork(recurrentConfig(), "c.json");
  const run = (batch: Batch) =>
    tidy(() => {
      const ps = net.params.list().map((p) => p.value);
      const { value, grads } = valueAndGrads(
        () => net.forward(batch, { train: true, step: 0 }).objective!,
        ps,
      );
      return { value: value.item(), grads: grads.map((g) => Array.from(g!.f32)) };
    });
  const rnd = testRandom(3);
  assert.deepEqual(run(batchOf(src, tgt, () => 1 + Math.floor(rnd() * 11))), run(batchOf(src, tgt, () => 0)));
});

test("dropout inside the recurrent loop draws a new mask at every decoder step (deterministically)", () => {
  const ones = dataOf(new Float32Array(2 * 64).fill(1), [batchDim(2), staticDim(64)]);
  const mask = (step: number) => {
    const ctx = layerContext({ path: "output/drop", train: true, step: 4, rec: { step } });
    return Array.from(inputDropout(ctx, [ones], 0.5, undefined)[0].value.f32);
  };
  assert.notDeepEqual(mask(0), mask(1));
  assert.deepEqual(mask(1), mask(1));
  assert.ok(mask(0).some((v) => v === 0) && mask(0).some((v) => v === 2));
});

/** A rec unit (`name`) over dense 2-dim input frames; its output summed by the as_is loss `total`. */
function recOverInput(unit: Record<string, unknown>, name = "rnn"): Record<string, unknown> {
  return {
    extern_data: { data: { dim: 2 } },
    network: {
      [name]: { class: "rec", from: "data", unit },
      total: { class: "copy", from: name, loss: "as_is" },
    },
  };
}

test("a rec unit over its input: data:source (and bare data) is the frame; the loop runs over the input's time", () => {
  for (const source of ["data:source", "data"]) {
    const config = recOverInput(
      {
        acc: { class: "combine", kind: "add", from: ["prev:acc", source], out_type: { shape: [2] } },
        output: { class: "copy", from: "acc" },
      },
      "output",
    );
    const net = buildNetwork(config, "c.json");
    const x = [
      [1, 2, 3, 4, 5, 6],
      [7, 8, 9, 10, 0, 0],
    ];
    const lengths = [3, 2];
    const batch = {
      data: {
        data: {
          value: new Tensor([2, 3, 2], Float32Array.from(x.flat())),
          lengths: Int32Array.from(lengths),
        },
      },
    };
    const loss = tidy(
      () => net.forward(batch, { train: false, step: 0 }).losses.find((l) => l.name === "total")!.value!,
    );
    // Σ over valid frames of the running sums = Σ_b Σ_t (len_b − t) · Σ_f x[b, t, f].
    let expected = 0;
    for (let b = 0; b < 2; b++)
      for (let t = 0; t < lengths[b]; t++) expected += (lengths[b] - t) * (x[b][2 * t] + x[b][2 * t + 1]);
    assert.equal(loss, expected, source);
  }
});

/** An explicit RNN written with eval layers (as RETURNN's rec-explicit demos): no layer on the cycle declares out_type. */
function explicitRnnConfig(declared: boolean): Record<string, unknown> {
  const outType = declared ? { out_type: { shape: [3] } } : {};
  return recOverInput({
    h: { class: "linear", activation: "tanh", from: ["prev:output", "data:source"], n_out: 3 },
    c: { class: "eval", from: ["h", "prev:c"], eval: "source(0) + source(1)", ...outType },
    output: { class: "eval", from: ["h", "c"], eval: "source(0) * source(1)", ...outType },
  });
}

/** The `total` loss of one forward pass on dense [B, T, F] data, and the parameters it made (name [shape]). */
function lossAndParams(
  config: Record<string, unknown>,
  shape: number[],
  values: number[],
  lengths: number[],
) {
  const batch = {
    data: {
      data: { value: new Tensor(shape, Float32Array.from(values)), lengths: Int32Array.from(lengths) },
    },
  };
  const net = buildNetwork(config, "c.json");
  const loss = tidy(
    () => net.forward(batch, { train: false, step: 0 }).losses.find((l) => l.name === "total")!.value!,
  );
  return { loss, params: net.params.list().map((p) => `${p.name} [${p.value.shape}]`) };
}

test("prev: shapes on a cycle without out_type come from the layers' templates (same run as when declared)", () => {
  const run = (declared: boolean) =>
    lossAndParams(explicitRnnConfig(declared), [2, 3, 2], [1, 2, 3, 4, 5, 6, -1, 0, 2, 1, 0, 0], [3, 2]);
  const inferred = run(false);
  assert.deepEqual(inferred.params, ["rnn/h/W [5,3]", "rnn/h/b [3]"]);
  assert.deepEqual(inferred, run(true));
  assert.ok(Number.isFinite(inferred.loss) && inferred.loss !== 0);
});

test("a template guess that changes a parameter's shape (first guess 4, then 8 features) still settles", () => {
  // m concatenates k twice, so its first guess (k's n_out, 4) is wrong; h's W is shaped by prev:m's guess.
  const config = (declared: boolean) => ({
    extern_data: { data: { dim: 2 } },
    network: {
      rnn: {
        class: "rec",
        from: "data",
        unit: {
          h: { class: "linear", activation: "tanh", from: ["prev:m", "data:source"], n_out: 3 },
          k: { class: "linear", activation: "tanh", from: "h", n_out: 4 },
          m: { class: "copy", from: ["k", "k"], ...(declared ? { out_type: { shape: [8] } } : {}) },
          output: { class: "copy", from: "h" },
        },
      },
      total: { class: "copy", from: "rnn", loss: "as_is" },
    },
  });
  const run = (declared: boolean) => lossAndParams(config(declared), [1, 2, 2], [1, 2, 3, 4], [2]);
  const inferred = run(false);
  assert.ok(inferred.params.includes("rnn/h/W [10,3]"), inferred.params.join(", "));
  assert.deepEqual(inferred, run(true));
});

test("a prev: cycle whose shape never settles is an error asking for out_type", () => {
  const config = recOverInput({ output: { class: "copy", from: ["prev:output", "data:source"] } });
  assert.throws(
    () => buildNetwork(config, "c.json"),
    (e: unknown) =>
      e instanceof Error &&
      /layer "rnn\/output": cannot tell the shape of "prev:output" before step 0; give that layer "out_type"/.test(
        e.message,
      ),
  );
});

/** The config with top-level layer `x_max`: the input's maximum over time, [B, 2] (an initial_output "base:x_max"). */
function withBaseMax(config: Record<string, unknown>): Record<string, unknown> {
  const network = config.network as Record<string, unknown>;
  return {
    ...config,
    network: { ...network, x_max: { class: "reduce", mode: "max", axis: "T", from: "data" } },
  };
}

/** h_t = tanh(W·[h_{t−1}; x_t] + b) over one input frame, with `initial_output` for h_{−1}; the loss is Σ h_0. */
function oneStepRnn(initial: unknown) {
  const config = withBaseMax(
    recOverInput({
      h: {
        class: "linear",
        activation: "tanh",
        from: ["prev:h", "data:source"],
        n_out: 2,
        bias_init: 0.3,
        initial_output: initial,
        out_type: { shape: [2] },
      },
      output: { class: "copy", from: "h" },
    }),
  );
  const net = buildNetwork(config, "c.json");
  const x = [0.5, -1];
  const batch = {
    data: { data: { value: new Tensor([1, 1, 2], Float32Array.from(x)), lengths: Int32Array.of(1) } },
  };
  const loss = tidy(
    () => net.forward(batch, { train: false, step: 0 }).losses.find((l) => l.name === "total")!.value!,
  );
  const param = (name: string) => net.params.list().find((p) => p.name === name)!.value.f32;
  const W = param("rnn/h/W"); // [4, 2]: rows h (2), then x (2)
  const b = param("rnn/h/b");
  return { loss, W, b, x };
}

test('initial_output in the loop: "ones", a number, and "apply(0)" (the layer on zero inputs: tanh(b))', () => {
  const stepLoss = (W: Float32Array, b: Float32Array, x: number[], h0: number[]) => {
    let sum = 0;
    for (let j = 0; j < 2; j++) {
      let z = b[j];
      for (let i = 0; i < 2; i++) z += h0[i] * W[i * 2 + j] + x[i] * W[(2 + i) * 2 + j];
      sum += Math.tanh(z);
    }
    return sum;
  };
  const cases: [unknown, (b: Float32Array) => number[]][] = [
    ["ones", () => [1, 1]],
    [0.25, () => [0.25, 0.25]],
    ["apply(0)", (b) => [Math.tanh(b[0]), Math.tanh(b[1])]],
    ["base:x_max", () => [0.5, -1]], // the one frame's maximum is the frame
    ["var", () => [0, 0]], // a trainable vector, zeros at first
  ];
  for (const [initial, h0] of cases) {
    const { loss, W, b, x } = oneStepRnn(initial);
    const expected = stepLoss(W, b, x, h0(b));
    assert.ok(Math.abs(loss - expected) < 1e-5, `${initial}: ${loss} vs ${expected}`);
  }
});

test('initial_output "var" is a trainable parameter <unit>/init_<layer>_var that gets a gradient', () => {
  const config = recOverInput({
    h: {
      class: "linear",
      activation: "tanh",
      from: ["prev:h", "data:source"],
      n_out: 2,
      initial_output: "var",
      out_type: { shape: [2] },
    },
    output: { class: "copy", from: "h" },
  });
  const net = buildNetwork(config, "c.json");
  const batch = {
    data: {
      data: { value: new Tensor([1, 2, 2], Float32Array.of(0.5, -1, 0.2, 0.3)), lengths: Int32Array.of(2) },
    },
  };
  const v = net.params.list().find((p) => p.name === "rnn/init_h_var");
  assert.ok(v?.trainable, "rnn/init_h_var is a trainable parameter");
  assert.deepEqual([...v.value.f32], [0, 0]);
  const g = tidy(() => {
    const r = valueAndGrads(() => net.forward(batch, { train: true, step: 0 }).objective!, [v.value]);
    return Array.from(r.grads[0]!.f32);
  });
  const objective = () => tidy(() => net.forward(batch, { train: true, step: 0 }).objective!.item());
  for (const i of [0, 1]) {
    const numeric = centralDifference(objective, v.value.f32, i, 1e-2);
    assert.ok(Math.abs(g[i] - numeric) < 1e-3, `init_h_var[${i}]: analytic ${g[i]}, numeric ${numeric}`);
  }
});

test('initial_output "base:x" outside the loop (a layer read with prev: but not on a cycle): the base layer\'s output', () => {
  // out_t = g_{t−1} + x_t, g = tanh(linear(x)): g is read with prev: but does not read itself, so it runs over
  // whole sequences; prev:g is g shifted by one step with x_max in front.
  const config = withBaseMax(
    recOverInput({
      g: { class: "linear", activation: "tanh", from: "data:source", n_out: 2, initial_output: "base:x_max" },
      output: { class: "combine", kind: "add", from: ["prev:g", "data:source"] },
    }),
  );
  const net = buildNetwork(config, "c.json");
  const frames = [0.5, -1, 0.2, 0.3];
  const batch = {
    data: { data: { value: new Tensor([1, 2, 2], Float32Array.from(frames)), lengths: Int32Array.of(2) } },
  };
  const loss = tidy(
    () => net.forward(batch, { train: false, step: 0 }).losses.find((l) => l.name === "total")!.value!,
  );
  const W = net.params.list().find((p) => p.name === "rnn/g/W")!.value.f32;
  const b = net.params.list().find((p) => p.name === "rnn/g/b")!.value.f32;
  let g0 = 0;
  for (let j = 0; j < 2; j++) g0 += Math.tanh(b[j] + frames[0] * W[j] + frames[1] * W[2 + j]);
  const xMax = Math.max(frames[0], frames[2]) + Math.max(frames[1], frames[3]);
  const expected = xMax + frames[0] + frames[1] + g0 + frames[2] + frames[3];
  assert.ok(Math.abs(loss - expected) < 1e-5, `${loss} vs ${expected}`);
});

test("initial_output that is neither a number nor a known keyword nor a base: layer is one clear error", () => {
  assert.throws(
    () => oneStepRnn("keep_over_epoch"),
    /layer "rnn\/h": initial_output "keep_over_epoch" is not supported \(use a number, "zeros", "ones", "var", "apply\(0\)" or "base:<layer>"\)/,
  );
  assert.throws(
    () => oneStepRnn("x_max"),
    /layer "rnn\/h": initial_output "x_max" is neither a keyword \(.*\) nor a layer of the enclosing network \("base:x_max"\)/,
  );
  assert.throws(() => oneStepRnn("base:data_max"), /rnn\/h.*base:data_max/);
});
