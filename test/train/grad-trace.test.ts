/**
 * The gradient trace (debug_grad): what grads.jsonl holds, that tracing never
 * changes training, and the non-finite guard naming the first bad layer in
 * forward order with the loss.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { Tensor } from "../../src/tensor/tensor.js";
import { firstNonFinite, type GradRecord, gradStats, layerFilter } from "../../src/train/grad-trace.js";
import { tempDir, tinyConfig, trainTiny, withLayers } from "../helpers/tiny-run.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const out = () => {
  const d = tempDir("grads");
  dirs.push(d);
  return d;
};
const records = (dir: string, file: string) =>
  readFileSync(join(dir, file), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

test("gradStats: L2 norm and max |g| over the finite values, and the non-finite count", () => {
  const s = gradStats(new Tensor([4], Float32Array.of(3, -4, Number.NaN, Number.POSITIVE_INFINITY)));
  assert.deepEqual(s, { l2: 5, max_abs: 4, non_finite: 2 });
  assert.deepEqual(gradStats(undefined), { l2: null, max_abs: null, non_finite: null });
});

test("layerFilter: true traces every layer; a list matches names or full paths", () => {
  assert.ok(layerFilter(true)("output/dec_01_att"));
  const f = layerFilter(["dec_01_att", "enc"]);
  assert.ok(f("output/dec_01_att") && f("enc"));
  assert.ok(!f("output/dec_01") && !f("enc_01"));
});

test("firstNonFinite: the first bad output in forward order, else the first bad gradient in backward order, else a parameter", () => {
  const layer = (name: string, out: number, bad: number | null) => ({
    layer: name,
    out_non_finite: out,
    l2: 1,
    max_abs: 1,
    non_finite: bad,
  });
  const r: GradRecord = {
    global_step: 4,
    epoch: 1,
    step: 4,
    loss: Number.NaN,
    layers: [layer("a", 0, 4), layer("b", 0, 3), layer("c", 2, null)],
    params: { "a/W": { l2: 1, max_abs: 1, non_finite: 5 } },
  };
  assert.equal(firstNonFinite(r), 'layer "c" has a non-finite output (2 values; loss NaN)');
  r.layers = r.layers.slice(0, 2);
  assert.equal(firstNonFinite(r), 'layer "b" has a non-finite gradient (3 values; loss NaN)');
  r.layers = [layer("a", 0, 0), layer("b", 0, null)];
  assert.equal(firstNonFinite(r), 'parameter "a/W" has a non-finite gradient (loss NaN)');
});

test("debug_grad: one record per step with every layer in forward order and every parameter; training unchanged", async () => {
  const plain = await trainTiny(tinyConfig(), out());
  const traced = await trainTiny(tinyConfig({ debug_grad: true }), out());
  const steps = records(traced, "train.jsonl");
  const grads = records(traced, "grads.jsonl");
  assert.deepEqual(
    grads.map((g) => g.global_step),
    steps.map((s) => s.global_step),
  );
  assert.deepEqual(
    grads[0].layers.map((l: { layer: string }) => l.layer),
    ["emb", "hidden", "output"],
  );
  assert.deepEqual(Object.keys(grads[0].params), ["emb/W", "hidden/W", "hidden/b", "output/W", "output/b"]);
  assert.ok(grads[0].layers[1].l2 > 0 && grads[0].params["emb/W"].l2 > 0);
  assert.deepEqual(
    records(plain, "train.jsonl").map((s) => s.fingerprint),
    steps.map((s) => s.fingerprint),
  );
});

test("debug_grad with a list traces only those layers", async () => {
  const d = await trainTiny(tinyConfig({ debug_grad: ["hidden"], num_epochs: 1 }), out());
  assert.deepEqual(
    records(d, "grads.jsonl")[0].layers.map((l: { layer: string }) => l.layer),
    ["hidden"],
  );
});

/** `bad` divides by zero: ±Infinity or NaN from here on. */
const BROKEN = withLayers({
  bad: { class: "eval", from: ["hidden"], eval: "source(0) / 0.0" },
  output: { class: "softmax", from: ["bad"], loss: "ce", target: "data" },
});

for (const debugGrad of [true, false]) {
  test(`a non-finite layer stops training with its name and the loss (debug_grad ${debugGrad})`, async () => {
    const d = out();
    await assert.rejects(trainTiny({ ...BROKEN, debug_grad: debugGrad }, d), (e: Error) => {
      assert.match(e.message, /^epoch 1, step 0: objective is NaN .*layer "bad" has a non-finite output/);
      return true;
    });
    if (!debugGrad) return;
    const layers: { layer: string; out_non_finite: number }[] = records(d, "grads.jsonl")[0].layers;
    assert.deepEqual(
      layers.filter((l) => l.out_non_finite > 0).map((l) => l.layer),
      ["bad", "output"],
    );
  });
}

test("bad debug_grad and fingerprint_every_n_steps values are one-line errors naming the key", async () => {
  await assert.rejects(trainTiny(tinyConfig({ debug_grad: "yes" }), out()), /tiny\.json: debug_grad must be/);
  await assert.rejects(
    trainTiny(tinyConfig({ fingerprint_every_n_steps: -1 }), out()),
    /tiny\.json: fingerprint_every_n_steps must be a non-negative integer/,
  );
});
