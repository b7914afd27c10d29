import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { kernels, setKernels } from "../../src/kernels/active.js";
import { buildNetwork } from "../../src/network/network.js";
import type { Batch } from "../../src/network/types.js";
import { valueAndGrads } from "../../src/tensor/tape.js";
import { Tensor, tidy } from "../../src/tensor/tensor.js";
import { centralDifference, testRandom } from "../helpers/gradcheck.js";

const reference = () =>
  JSON.parse(readFileSync("examples/transformer-base.json", "utf8")) as Record<string, unknown>;

/** A padded batch; `fill` decides the token ids beyond each sequence's end. */
function batchOf(src: number[][], tgt: number[][], fill: (b: number, t: number) => number): Batch {
  const pad = (seqs: number[][]) => {
    const T = Math.max(...seqs.map((s) => s.length));
    const value = new Tensor(
      [seqs.length, T],
      Int32Array.from({ length: seqs.length * T }, (_, i) => {
        const b = Math.floor(i / T);
        const t = i % T;
        return t < seqs[b].length ? seqs[b][t] : fill(b, t);
      }),
    );
    return { value, lengths: Int32Array.from(seqs, (s) => s.length) };
  };
  return { data: { data: pad(src), classes: pad(tgt) } };
}

const src = [
  [3, 5, 7, 9, 2],
  [4, 6],
];
const tgt = [
  [2, 9, 7, 5, 3, 0],
  [6, 4, 0],
];

function lossesAndGrads(net: ReturnType<typeof buildNetwork>, batch: Batch) {
  return tidy(() => {
    const params = net.params.list().map((p) => p.value);
    let losses: unknown;
    const { value, grads } = valueAndGrads(() => {
      const r = net.forward(batch, { train: true, step: 3 });
      losses = r.losses;
      return r.objective!;
    }, params);
    return { losses, objective: value.item(), grads: grads.map((g) => (g ? Array.from(g.f32) : null)) };
  });
}

test("tokens beyond a sequence's end change no loss and no gradient of the reference Transformer", () => {
  const net = buildNetwork(reference(), "ref.json");
  const clean = lossesAndGrads(
    net,
    batchOf(src, tgt, () => 0),
  );
  const rnd = testRandom(5);
  const garbage = lossesAndGrads(
    net,
    batchOf(src, tgt, () => 1 + Math.floor(rnd() * 23)),
  );
  assert.deepEqual(garbage, clean);
});

test("the reference Transformer's gradient matches finite differences (sampled elements of every parameter)", () => {
  const config = reference();
  const net = buildNetwork(config, "ref.json");
  const batch = batchOf(src, tgt, () => 0);
  const objective = () => tidy(() => net.forward(batch, { train: true, step: 1 }).objective!.item());
  const { grads } = lossesAndGrads(net, batch);
  const analytic = tidy(() => {
    const params = net.params.list().map((p) => p.value);
    const r = valueAndGrads(() => net.forward(batch, { train: true, step: 1 }).objective!, params);
    return r.grads.map((g) => (g ? Array.from(g.f32) : null));
  });
  assert.equal(grads.length, analytic.length);
  const rnd = testRandom(11);
  const eps = 1e-2;
  net.params.list().forEach((p, k) => {
    const data = p.value.f32;
    for (let n = 0; n < 2; n++) {
      const i = Math.floor(rnd() * data.length);
      const numeric = centralDifference(objective, data, i, eps);
      const a = analytic[k]?.[i] ?? 0;
      // float32 forward passes: |a − n| ≤ 2e-3 + 5e-2·|n|
      assert.ok(
        Math.abs(a - numeric) <= 2e-3 + 5e-2 * Math.abs(numeric),
        `${p.name}[${i}]: analytic ${a}, numeric ${numeric}`,
      );
    }
  });
});

test("per-layer L2 adds L2·Σp²/2 to the training objective only", () => {
  const config = (L2?: number) => ({
    extern_data: { data: { dim: 5, sparse: true }, classes: { dim: 5, sparse: true } },
    network: {
      emb: { class: "linear", from: "data", n_out: 3, ...(L2 ? { L2 } : {}) },
      output: { class: "softmax", from: "emb", target: "data", loss: "ce" },
    },
  });
  const batch = batchOf([[1, 2, 3]], [[1, 2, 3, 0]], () => 0);
  const plain = buildNetwork(config(), "a.json");
  const withL2 = buildNetwork(config(0.1), "b.json");
  const obj = (net: ReturnType<typeof buildNetwork>, train: boolean) =>
    tidy(() => net.forward(batch, { train, step: 0 }).objective!.item());
  const p = withL2.params.list().filter((q) => q.name.startsWith("emb/"));
  const expected = p.reduce((s, q) => s + q.value.toArray().reduce((t, v) => t + v * v, 0), 0) * 0.05;
  assert.ok(Math.abs(obj(withL2, true) - obj(plain, true) - expected) < 1e-5);
  assert.equal(obj(withL2, false), obj(plain, false));
});

test("reuse_params with transpose ties the output softmax to the embedding", () => {
  const net = buildNetwork(
    {
      extern_data: { data: { dim: 5, sparse: true } },
      network: {
        emb: { class: "linear", from: "data", n_out: 3, with_bias: false },
        output: {
          class: "softmax",
          from: "emb",
          target: "data",
          loss: "ce",
          reuse_params: { map: { W: { reuse_layer: "emb", transpose: true } } },
        },
      },
    },
    "tied.json",
  );
  assert.deepEqual(
    net.params.list().map((p) => [p.name, p.value.shape]),
    [
      ["emb/W", [5, 3]],
      ["output/b", [5]],
    ],
  );
  const batch = batchOf([[1, 2, 3]], [[1, 2, 3, 0]], () => 0);
  const [W, b] = net.params.list().map((p) => p.value.toArray());
  // CE of softmax(W[x]·Wᵀ + b) at target x, averaged over the 3 frames, in float64.
  const expected =
    [1, 2, 3]
      .map((x) => {
        const logits = [0, 1, 2, 3, 4].map(
          (v) => b[v] + [0, 1, 2].reduce((s, j) => s + W[x * 3 + j] * W[v * 3 + j], 0),
        );
        const lse = Math.log(logits.reduce((s, l) => s + Math.exp(l), 0));
        return lse - logits[x];
      })
      .reduce((s, l) => s + l, 0) / 3;
  const objective = () => tidy(() => net.forward(batch, { train: true, step: 0 }).objective!.item());
  assert.ok(Math.abs(objective() - expected) < 1e-5);
  // Both uses of emb/W contribute to its gradient.
  const { grads } = lossesAndGrads(net, batch);
  const data = net.params.list()[0].value.f32;
  const eps = 1e-2;
  for (let i = 0; i < data.length; i++) {
    const numeric = centralDifference(objective, data, i, eps);
    assert.ok(Math.abs(grads[0]![i] - numeric) <= 2e-3 + 2e-2 * Math.abs(numeric), `emb/W[${i}]`);
  }
});

test("an embedding can read a softmax's weight transposed (the gather path of reuse_params transpose)", () => {
  const net = buildNetwork(
    {
      extern_data: { data: { dim: 5, sparse: true } },
      network: {
        emb: {
          class: "linear",
          from: "data",
          n_out: 3,
          with_bias: false,
          reuse_params: { map: { W: { reuse_layer: "output", transpose: true } } },
        },
        output: { class: "softmax", from: "emb", target: "data", loss: "ce" },
      },
    },
    "tied-embedding.json",
  );
  assert.deepEqual(
    net.params.list().map((p) => [p.name, p.value.shape]),
    [
      ["output/W", [3, 5]],
      ["output/b", [5]],
    ],
  );
  const batch = batchOf([[1, 2, 3]], [[1, 2, 3, 0]], () => 0);
  const objective = () => tidy(() => net.forward(batch, { train: true, step: 0 }).objective!.item());
  const { grads } = lossesAndGrads(net, batch);
  const data = net.params.list()[0].value.f32;
  for (let i = 0; i < data.length; i++) {
    const numeric = centralDifference(objective, data, i, 1e-2);
    assert.ok(Math.abs(grads[0]![i] - numeric) <= 2e-3 + 2e-2 * Math.abs(numeric), `output/W[${i}]`);
  }
});

test("transposed reuse_params needs a 2-D parameter", () => {
  assert.throws(
    () =>
      buildNetwork(
        {
          extern_data: { data: { dim: 5, sparse: true } },
          network: {
            emb: { class: "linear", from: "data", n_out: 3 },
            output: {
              class: "softmax",
              from: "emb",
              target: "data",
              loss: "ce",
              reuse_params: { map: { b: { reuse_layer: "emb", transpose: true } } },
            },
          },
        },
        "tied.json",
      ),
    /tied.json: layer "output": reuse_params: parameter "b" has 1 axes; only 2-D ones can be transposed/,
  );
});

test("after a non-finite step the first non-finite layer is named", () => {
  const net = buildNetwork(
    {
      extern_data: { data: { dim: 5, sparse: true } },
      network: {
        emb: { class: "linear", from: "data", n_out: 3 },
        broken: { class: "eval", from: "emb", eval: "source(0) * log(-1.0 - abs(source(0)))" },
        output: { class: "softmax", from: "broken", target: "data", loss: "ce" },
      },
    },
    "nan.json",
  );
  const batch = batchOf([[1, 2, 3]], [[1, 2, 3, 0]], () => 0);
  assert.equal(net.diagnoseNonFinite(batch, 0), 'layer "broken" has a non-finite output');
});

test("a finite step has nothing to diagnose", () => {
  const net = buildNetwork(reference(), "ref.json");
  assert.equal(
    net.diagnoseNonFinite(
      batchOf(src, tgt, () => 0),
      0,
    ),
    null,
  );
});

test("a softmax output read only by its ce loss never computes the probabilities; reading them does", () => {
  const config = (reader: boolean) => ({
    extern_data: { data: { dim: 5, sparse: true } },
    network: {
      emb: { class: "linear", from: "data", n_out: 3 },
      output: { class: "softmax", from: "emb", target: "data", loss: "ce" },
      ...(reader
        ? { probs_sum: { class: "reduce", mode: "sum", axes: "F", from: "output", is_output_layer: true } }
        : {}),
    },
  });
  const batch = batchOf([[1, 2, 3]], [[1, 2, 3, 0]], () => 0);
  const softmaxCalls = (reader: boolean) => {
    const net = buildNetwork(config(reader), "lazy.json");
    const active = kernels();
    let calls = 0;
    setKernels({
      ...active,
      softmax: (...args: Parameters<typeof active.softmax>) => {
        calls++;
        active.softmax(...args);
      },
    });
    try {
      tidy(() => valueAndGrads(() => net.forward(batch, { train: true, step: 0 }).objective!, []));
    } finally {
      setKernels(active);
    }
    return calls;
  };
  assert.equal(softmaxCalls(false), 0);
  assert.equal(softmaxCalls(true), 1);
});

const minimalConfig = () => ({
  extern_data: { data: { dim: 5, sparse: true } },
  network: {
    emb: { class: "linear", from: "data", n_out: 3 },
    output: { class: "softmax", from: "emb", target: "data", loss: "ce" },
  } as Record<string, unknown>,
});

test("every layer is validated at build time, also one no loss or output needs; it adds no parameters", () => {
  const unused = (layer: Record<string, unknown>) => ({
    ...minimalConfig(),
    network: { ...minimalConfig().network, unused: layer },
  });
  assert.throws(
    () => buildNetwork(unused({ class: "linear", from: "data" }), "c.json"),
    /^ReproError: c\.json: layer "unused": option "n_out" is required/,
  );
  const ok = buildNetwork(unused({ class: "linear", from: "data", n_out: 3 }), "c.json");
  const plain = buildNetwork(minimalConfig(), "c.json");
  assert.deepEqual(
    ok.params.list().map((p) => p.name),
    plain.params.list().map((p) => p.name),
  );
});

test('an error of a layer without "from" says that it read "data" by default', () => {
  const config = {
    ...minimalConfig(),
    network: { ...minimalConfig().network, sum: { class: "combine", kind: "add" } },
  };
  assert.throws(
    () => buildNetwork(config, "c.json"),
    /^ReproError: c\.json: layer "sum": .* \(no "from" given: it defaults to "data", as in RETURNN\)$/,
  );
});
