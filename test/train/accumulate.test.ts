import assert from "node:assert/strict";
import { test } from "node:test";
import type { Param } from "../../src/network/params.js";
import { keep, Tensor } from "../../src/tensor/tensor.js";
import { GradAccumulator } from "../../src/train/accumulate.js";
import { optimizerFromConfig } from "../../src/train/optimizer.js";

const param = (name: string, v: number[]): Param => ({
  name,
  value: keep(new Tensor([v.length], Float32Array.from(v))),
  trainable: true,
});
const grad = (v: number[]) => new Tensor([v.length], Float32Array.from(v));

test("gradients of the accumulated batches are summed, as RETURNN does, and applied in one update", () => {
  const [a, b] = [param("a", [1, 1]), param("b", [2])];
  const acc = new GradAccumulator();
  acc.add([a, b], [grad([0.25, 0.5]), null]);
  acc.add([a, b], [grad([0.5, -0.25]), grad([1])]);
  assert.equal(acc.count, 2);
  const sgd = optimizerFromConfig({ class: "sgd" }, "c.json");
  const norm = acc.apply([a, b], sgd, 1, 0);
  assert.deepEqual([...a.value.f32], [0.25, 0.75]);
  assert.deepEqual([...b.value.f32], [1]);
  assert.equal(norm, Math.sqrt(0.75 ** 2 + 0.25 ** 2 + 1));
  assert.equal(acc.count, 0);
  assert.equal(acc.state(), undefined);
});

test("a parameter without gradient in the group is not updated", () => {
  const [a, b] = [param("a", [1]), param("b", [2])];
  const acc = new GradAccumulator();
  acc.add([a, b], [grad([0.5]), null]);
  const adam = optimizerFromConfig({ class: "adam" }, "c.json");
  acc.apply([a, b], adam, 0.1, 0);
  assert.deepEqual([...b.value.f32], [2]);
  assert.deepEqual(adam.state().steps, { a: 1 });
});

test("the sums round-trip through state()/load(), and retain() drops parameters that are gone", () => {
  const [a, b] = [param("a", [1]), param("b", [2])];
  const acc = new GradAccumulator();
  acc.add([a, b], [grad([0.5]), grad([3])]);
  const back = new GradAccumulator();
  back.load(acc.state());
  assert.deepEqual(back.state(), { count: 1, sums: { a: Float32Array.of(0.5), b: Float32Array.of(3) } });
  back.retain(new Set(["b"]));
  assert.deepEqual(back.state(), { count: 1, sums: { b: Float32Array.of(3) } });
});

test("gradient_clip and gradient_noise act on the summed gradients before the global-norm clip", () => {
  const a = param("a", [0, 0]);
  const acc = new GradAccumulator();
  acc.add([a], [grad([3, -0.5])]);
  acc.add([a], [grad([3, -0.5])]);
  const sgd = optimizerFromConfig({ class: "sgd" }, "c.json");
  const norm = acc.apply([a], sgd, 1, 0.5, { noise: 0, clipValue: 2, seed: 1, step: 1 });
  assert.deepEqual(
    [...a.value.f32],
    [-2 * (0.5 / Math.hypot(2, 1)), 1 * (0.5 / Math.hypot(2, 1))].map(Math.fround),
  );
  assert.equal(norm, Math.hypot(2, 1));
  const b = param("b", [0]);
  acc.add([b], [grad([0])]);
  acc.apply([b], sgd, 1, 0, { noise: 0.1, clipValue: 0, seed: 1, step: 1 });
  assert.notEqual(b.value.f32[0], 0);
});
