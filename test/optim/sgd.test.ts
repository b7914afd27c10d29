import assert from "node:assert/strict";
import { test } from "node:test";
import { sgdUpdate } from "../../src/optim/sgd.js";
import { tensor } from "../../src/tensor/tensor.js";

test("plain sgd subtracts lr times the gradient", () => {
  const p = tensor([1, 2]);
  sgdUpdate(p, tensor([0.5, -1]), 0.1);
  assert.deepEqual(p.toArray(), [Math.fround(0.95), Math.fround(2.1)]);
});

test("momentum accumulates the velocity across steps", () => {
  const p = tensor([0]);
  const v = new Float32Array(1);
  sgdUpdate(p, tensor([1]), 0.1, 0.9, v);
  sgdUpdate(p, tensor([1]), 0.1, 0.9, v);
  // v1 = 1, v2 = 0.9 + 1 = 1.9; p = -0.1 - 0.19
  assert.ok(Math.abs(p.f32[0] + 0.29) < 1e-6);
  assert.ok(Math.abs(v[0] - 1.9) < 1e-6);
});
