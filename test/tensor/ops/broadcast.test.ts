/**
 * NumPy broadcasting: shape rules, stride computation, and `unbroadcast` (the
 * backward of broadcasting: a fixed-order sum back to the input's shape).
 * Values are exact or bitwise against a float64 reference that rounds where the
 * engine is documented to round (once per reduced axis).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { broadcastStrides, sameShape } from "../../../src/tensor/ops/broadcast.js";
import * as ops from "../../../src/tensor/ops/index.js";
import { tensor, tidy } from "../../../src/tensor/tensor.js";
import { gradCheck, randTensor } from "../../helpers/gradcheck.js";
import { assertBitwiseEqual, assertShape, evaluate, refBroadcastShape, size } from "./support.js";

const compatible: [number[], number[], number[]][] = [
  [[], [], []],
  [
    [2, 3],
    [2, 3],
    [2, 3],
  ],
  [
    [2, 1, 3],
    [4, 1],
    [2, 4, 3],
  ],
  [
    [5, 1],
    [1, 6],
    [5, 6],
  ],
  [[3], [2, 3], [2, 3]],
  [[], [2, 3], [2, 3]],
  [[1], [], [1]],
  [[1, 1, 1], [7], [1, 1, 7]],
  [
    [2, 1, 4, 1],
    [3, 1, 5],
    [2, 3, 4, 5],
  ],
];

for (const [a, b, out] of compatible) {
  test(`broadcastShapes: [${a}] and [${b}] give [${out}] in either order`, () => {
    assert.deepEqual(ops.broadcastShapes(a, b), out);
    assert.deepEqual(ops.broadcastShapes(b, a), out);
    assert.deepEqual(refBroadcastShape(a, b), out);
  });
}

test("broadcastShapes: incompatible shapes throw, naming both", () => {
  assert.throws(() => ops.broadcastShapes([2, 3], [4]), /shapes \[2,3\] and \[4\] cannot be broadcast/);
  assert.throws(() => ops.broadcastShapes([2, 1, 3], [4, 2]), /cannot be broadcast/);
  assert.throws(() => ops.broadcastShapes([0], [2]), /cannot be broadcast/);
});

test("broadcastStrides: contiguous strides with 0 on stretched and missing axes", () => {
  assert.deepEqual(broadcastStrides([2, 1, 3], [2, 4, 3]), [3, 0, 1]);
  assert.deepEqual(broadcastStrides([4, 1], [2, 4, 3]), [0, 1, 0]);
  assert.deepEqual(broadcastStrides([3], [2, 3]), [0, 1]);
  assert.deepEqual(broadcastStrides([], [2, 3]), [0, 0]);
  assert.deepEqual(broadcastStrides([2, 3], [2, 3]), [3, 1]);
});

test("sameShape: equal rank and dims", () => {
  assert.ok(sameShape([2, 3], [2, 3]));
  assert.ok(sameShape([], []));
  assert.ok(!sameShape([2, 3], [3, 2]));
  assert.ok(!sameShape([1, 3], [3]));
});

test("unbroadcast: the same shape returns the gradient itself", () => {
  tidy(() => {
    const g = randTensor([2, 3], 1);
    assert.equal(ops.unbroadcast(g, [2, 3]), g);
  });
});

test("unbroadcast: [2,4,3] → [2,1,3] sums the stretched axis", () => {
  tidy(() => {
    const g = randTensor([2, 4, 3], 2);
    const y = ops.unbroadcast(g, [2, 1, 3]);
    assertShape(y, [2, 1, 3]);
    const expected = new Float32Array(6);
    for (let b = 0; b < 2; b++)
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let j = 0; j < 4; j++) s += g.f32[(b * 4 + j) * 3 + c];
        expected[b * 3 + c] = s;
      }
    assertBitwiseEqual(y.f32, expected);
  });
});

test("unbroadcast: [2,4,3] → [4,1] reduces the missing axis, then the stretched one, left to right", () => {
  tidy(() => {
    const g = randTensor([2, 4, 3], 3, -1e3, 1e3);
    const y = ops.unbroadcast(g, [4, 1]);
    assertShape(y, [4, 1]);
    // Axis 0 first (rounded to float32), then axis 2.
    const expected = new Float32Array(4);
    for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let c = 0; c < 3; c++) s += Math.fround(g.f32[j * 3 + c] + g.f32[(4 + j) * 3 + c]);
      expected[j] = s;
    }
    assertBitwiseEqual(y.f32, expected);
  });
});

test("unbroadcast: to a rank-0 shape sums everything", () => {
  tidy(() => {
    const g = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = ops.unbroadcast(g, []);
    assertShape(y, []);
    assert.equal(y.item(), 21);
  });
});

test("a broadcasting expression reduces each gradient back to its input's shape", () => {
  // x [2,3,4] · gamma [4] − mean(x) [2,3,1] + bias [1,1,4] + offset [] → [2,3,4]
  const x = randTensor([2, 3, 4], 4);
  const gamma = randTensor([4], 5);
  const bias = randTensor([1, 1, 4], 6);
  const offset = randTensor([], 7);
  const f = (a: typeof x, g: typeof x, b: typeof x, o: typeof x) =>
    ops.add(ops.add(ops.sub(ops.mul(a, g), ops.mean(a, -1, true)), b), o);
  const r = evaluate(() => ops.sum(f(x, gamma, bias, offset)), [x, gamma, bias, offset]);
  assert.deepEqual(r.gradShapes, [[2, 3, 4], [4], [1, 1, 4], []]);
  // Σ over broadcast copies: bias is added 6 times per element, offset 24 times.
  assert.deepEqual(Array.from(r.grads[2]!), [6, 6, 6, 6]);
  assert.deepEqual(Array.from(r.grads[3]!), [size([2, 3, 4])]);
  gradCheck(f, [x, gamma, bias, offset]);
});
