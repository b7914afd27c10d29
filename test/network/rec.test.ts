/** `rec` in training (src/network/rec.ts): what `data:source` is inside the unit. */
import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/index.js";
import { buildNetwork } from "../../src/network/network.js";
import { valueAndGrads } from "../../src/tensor/tape.js";
import { Tensor, tidy } from "../../src/tensor/tensor.js";

const extern_data = { data: { dim: 4, sparse: true }, delayed: { dim: 4, sparse: true } };
const labels = (rows: number[][], lengths: number[]) => ({
  value: new Tensor([rows.length, rows[0].length], Int32Array.from(rows.flat())),
  lengths: Int32Array.from(lengths),
});

/** A language model: the rec reads the delayed labels through data:source and is trained against `data`. */
const lmNetwork = {
  output: {
    class: "rec",
    from: "data:delayed",
    target: "data",
    unit: {
      emb: { class: "linear", from: "data:source", n_out: 3 },
      output: { class: "softmax", from: "emb", loss: "ce", target: "data" },
    },
  },
};
/** The same computation without the rec (no layer reads prev:, so the steps are independent). */
const flatNetwork = {
  emb: { class: "linear", from: "data:delayed", n_out: 3 },
  output: { class: "softmax", from: "emb", loss: "ce", target: "data" },
};

test("a rec with a target and a from: data:source in the unit is the input frame at each target step", () => {
  const lm = buildNetwork({ extern_data, network: lmNetwork }, "c.json");
  const flat = buildNetwork({ extern_data, network: flatNetwork }, "c.json");
  // The unit's parameters are the flat ones under "output/": give both the same values.
  const lmParams = lm.params.list();
  assert.equal(lmParams.length, 4);
  for (const p of lmParams) flat.params.load(p.name.replace(/^output\//, ""), p.value.f32, p.value.shape);
  const batch = {
    data: {
      data: labels(
        [
          [1, 2, 3],
          [3, 1, 0],
        ],
        [3, 2],
      ),
      delayed: labels(
        [
          [0, 1, 2],
          [0, 3, 0],
        ],
        [3, 2],
      ),
    },
  };
  const loss = (net: typeof lm) =>
    tidy(
      () =>
        net.forward(batch, { train: false, step: 0 }).losses.find((l) => l.name.endsWith("output"))!.value!,
    );
  assert.ok(loss(lm) > 0);
  assert.equal(loss(lm), loss(flat));
});

test("a rec whose from and target differ in length cannot read data:source (an error naming both)", () => {
  const lm = buildNetwork({ extern_data, network: lmNetwork }, "c.json");
  const batch = {
    data: { data: labels([[1, 2, 3]], [3]), delayed: labels([[0, 1]], [2]) },
  };
  assert.throws(
    () => lm.forward(batch, { train: false, step: 0 }),
    /layer "output": its input \("from"\) and its target differ in length \(\[2\] vs \[3\]\)/,
  );
});

test("a loss on the rec layer itself (not in its unit) is in the objective and trains the unit's parameters", () => {
  const config = {
    extern_data,
    network: {
      output: {
        class: "rec",
        from: [],
        target: "data",
        loss: "ce",
        unit: {
          emb: { class: "linear", from: "prev:output", n_out: 3 },
          output: { class: "softmax", from: "emb", n_out: 4 },
        },
      },
    },
  };
  const net = buildNetwork(config, "c.json");
  const batch = {
    data: {
      data: labels(
        [
          [1, 2, 3],
          [3, 1, 0],
        ],
        [3, 2],
      ),
    },
  };
  const params = net.params.list();
  const grads = tidy(() => {
    const r = valueAndGrads(
      () => net.forward(batch, { train: true, step: 1 }).objective!,
      params.map((p) => p.value),
    );
    return r.grads.map((g) => (g ? Array.from(g.f32) : null));
  });
  assert.deepEqual(
    params.map((p) => p.name),
    ["output/emb/W", "output/emb/b", "output/output/W", "output/output/b"],
  );
  for (const [k, p] of params.entries())
    assert.ok(
      grads[k]?.some((v) => v !== 0),
      `${p.name} gets a gradient`,
    );
});

test("a rec can train against data registered by a top-level layer (targets with EOS appended: one more frame each)", () => {
  const config = {
    extern_data: { data: { dim: 4, sparse: true }, classes: { dim: 2, sparse: true } },
    network: {
      eos_: { class: "reinterpret_data", from: "data:classes", increase_sparse_dim: 1 },
      eos: { class: "postfix_in_time", from: "eos_", postfix: 2, register_as_extern_data: "classes0" },
      output: {
        class: "rec",
        from: [],
        target: "classes0",
        unit: { output: { class: "softmax", from: "data:classes0", loss: "ce", target: "classes0" } },
      },
    },
  };
  const net = buildNetwork(config, "c.json");
  const batch = {
    data: {
      data: labels(
        [
          [1, 2, 3],
          [1, 0, 0],
        ],
        [3, 1],
      ),
      classes: labels(
        [
          [1, 0, 1],
          [0, 0, 0],
        ],
        [3, 1],
      ),
    },
  };
  const losses = tidy(() => net.forward(batch, { train: false, step: 0 }).losses);
  assert.deepEqual(
    losses.map((l) => [l.name, l.frames, l.inObjective]),
    [["output/output", 6, true]],
  );
});
