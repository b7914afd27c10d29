import assert from "node:assert/strict";
import { test } from "node:test";
import { adamUpdate, adamUpdateMany, newAdamSlots } from "../../src/optim/adam.js";
import { tensor } from "../../src/tensor/tensor.js";

/** The same two steps written out in float64 (tolerance 1e-6: float32 storage of p, m, v). */
function reference(p0: number, grads: number[], lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): number {
  let p = p0;
  let m = 0;
  let v = 0;
  grads.forEach((g, i) => {
    const t = i + 1;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    p -= ((lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t)) * (m / (Math.sqrt(v) + eps));
  });
  return p;
}

test("adam follows TensorFlow's update rule over two steps", () => {
  const p = tensor([1, -2]);
  const slots = newAdamSlots(2);
  const g1 = [0.5, -0.25];
  const g2 = [0.1, 0.3];
  adamUpdate(p, tensor(g1), slots, 0.01, 1);
  adamUpdate(p, tensor(g2), slots, 0.01, 2);
  assert.ok(Math.abs(p.f32[0] - reference(1, [g1[0], g2[0]], 0.01)) < 1e-6);
  assert.ok(Math.abs(p.f32[1] - reference(-2, [g1[1], g2[1]], 0.01)) < 1e-6);
});

test("adam first step moves each parameter by about lr against its gradient sign", () => {
  const p = tensor([0, 0]);
  adamUpdate(p, tensor([3, -0.001]), newAdamSlots(2), 0.1, 1);
  assert.ok(Math.abs(p.f32[0] + 0.1) < 1e-5);
  assert.ok(Math.abs(p.f32[1] - 0.1) < 1e-4);
});

test("decoupled weight decay shrinks the parameter even with zero gradient", () => {
  const p = tensor([2]);
  adamUpdate(p, tensor([0]), newAdamSlots(1), 0.1, 1, {
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    weightDecay: 0.5,
  });
  assert.ok(Math.abs(p.f32[0] - (2 - 0.1 * 0.5 * 2)) < 1e-6);
});

test("adam rejects a gradient of the wrong size", () => {
  assert.throws(() => adamUpdate(tensor([1, 2]), tensor([1]), newAdamSlots(2), 0.1, 1), /gradient size/);
});

test("adamUpdateMany gives the same bits as adamUpdate on each parameter", () => {
  const values = (n: number, seed: number) =>
    Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3) * (1 + (i % 5)));
  const sizes = [3, 70, 1];
  const one = sizes.map((n, i) => ({ p: tensor(values(n, i)), slots: newAdamSlots(n) }));
  const many = sizes.map((n, i) => ({ p: tensor(values(n, i)), slots: newAdamSlots(n) }));
  const opts = { beta1: 0.9, beta2: 0.98, epsilon: 1e-9, weightDecay: 0.01 };
  for (let step = 1; step <= 3; step++) {
    const grads = sizes.map((n, i) => tensor(values(n, 10 * step + i)));
    one.forEach((x, i) => {
      adamUpdate(x.p, grads[i], x.slots, 0.01, step, opts);
    });
    adamUpdateMany(
      many.map((x, i) => ({ param: x.p, grad: grads[i], slots: x.slots })),
      0.01,
      step,
      opts,
    );
  }
  many.forEach((x, i) => {
    assert.deepEqual([...x.p.f32], [...one[i].p.f32]);
    assert.deepEqual([...x.slots.m], [...one[i].slots.m]);
    assert.deepEqual([...x.slots.v], [...one[i].slots.v]);
  });
});

test("adamUpdateMany refuses a parameter listed twice (its two updates would race)", () => {
  const p = tensor([1, 2]);
  const item = { param: p, grad: tensor([1, 1]), slots: newAdamSlots(2) };
  assert.throws(() => adamUpdateMany([item, item], 0.1, 1), /appears twice/);
});
