import assert from "node:assert/strict";
import { test } from "node:test";
import { postProcessGradients } from "../../src/optim/post-process.js";
import { Tensor } from "../../src/tensor/tensor.js";

const grad = (...v: number[]) => new Tensor([v.length], Float32Array.from(v));
const base = { noise: 0, clipValue: 0, seed: 1, step: 0 };

test("gradient_clip clips every element to [-c, c]", () => {
  const g = grad(-3, -0.5, 0.2, 9);
  postProcessGradients([{ name: "w", grad: g }], { ...base, clipValue: 1 });
  assert.deepEqual([...g.f32], [-1, -0.5, Math.fround(0.2), 1]);
});

test("gradient_clip_norm scales a tensor down to the norm; avg norm divides by its size", () => {
  const g = grad(3, 4);
  postProcessGradients([{ name: "w", grad: g }], { ...base, clipNorm: 1 });
  assert.deepEqual([...g.f32], [Math.fround(0.6), Math.fround(0.8)]);
  const h = grad(3, 4); // norm 5, average norm 2.5
  postProcessGradients([{ name: "w", grad: h }], { ...base, clipAvgNorm: 0.5 });
  assert.deepEqual([...h.f32], [Math.fround(0.6), Math.fround(0.8)]);
});

test("gradient_noise is truncated normal noise, keyed by seed, parameter and step", () => {
  const noisy = (name: string, step: number, seed = 1) => {
    const g = new Tensor([4000], new Float32Array(4000));
    postProcessGradients([{ name, grad: g }], { ...base, noise: 0.3, seed, step });
    return [...g.f32];
  };
  const a = noisy("w", 5);
  assert.deepEqual(a, noisy("w", 5));
  assert.notDeepEqual(a, noisy("w", 6));
  assert.notDeepEqual(a, noisy("v", 5));
  assert.notDeepEqual(a, noisy("w", 5, 2));
  assert.ok(
    a.every((x) => Math.abs(x) <= 0.6 + 1e-6),
    "truncated at 2 std",
  );
  const std = Math.sqrt(a.reduce((s, x) => s + x * x, 0) / a.length);
  assert.ok(Math.abs(std - 0.3 * 0.8796) < 0.02, `std ${std}`);
});

test("noise comes before the value clip", () => {
  const g = grad(0, 0, 0, 0);
  postProcessGradients([{ name: "w", grad: g }], { ...base, noise: 10, clipValue: 0.01 });
  assert.ok([...g.f32].every((x) => Math.abs(x) <= Math.fround(0.01)));
});
