import assert from "node:assert/strict";
import { test } from "node:test";
import { clipByGlobalNorm, globalNorm } from "../../src/optim/clip.js";
import { tensor } from "../../src/tensor/tensor.js";

test("global norm is the norm of all gradients together", () => {
  assert.equal(globalNorm([tensor([3]), tensor([4])]), 5);
});

test("clipping scales every gradient by clip/norm when the norm is larger", () => {
  const a = tensor([3]);
  const b = tensor([4]);
  assert.equal(clipByGlobalNorm([a, b], 1), 5);
  assert.ok(Math.abs(a.f32[0] - 0.6) < 1e-7 && Math.abs(b.f32[0] - 0.8) < 1e-7);
});

test("gradients below the clip norm are left untouched", () => {
  const a = tensor([0.3, 0.4]);
  clipByGlobalNorm([a], 1);
  assert.deepEqual(a.toArray(), [Math.fround(0.3), Math.fround(0.4)]);
});

test("a non-finite norm is returned and nothing is scaled", () => {
  const a = tensor([Number.NaN, 1]);
  assert.ok(Number.isNaN(clipByGlobalNorm([a], 1)));
  assert.equal(a.f32[1], 1);
});
