/**
 * Neural-network ops: softmax / logSoftmax (any axis, masks), sparse
 * cross-entropy (against the composed oracle), gather, oneHot, layerNorm
 * (against the composed oracle), dropout.
 *
 * Tolerances: VALUE |Δ| ≤ 1e-6 + 1e-5·|ref|, GRAD |Δ| ≤ 1e-6 + 1e-5·|ref|
 * against float64 references; ORACLE |Δ| ≤ 1e-5 + 1e-4·|ref| between a fused op
 * and the same formula composed from float32 ops; finite differences use
 * gradCheck's stated default (eps 1e-3, |Δ| ≤ 1e-2 + 1e-2·|numeric|).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as ops from "../../../src/tensor/ops/index.js";
import { valueAndGrads } from "../../../src/tensor/tape.js";
import { Tensor, tensor, tidy } from "../../../src/tensor/tensor.js";
import { gradCheck, randTensor } from "../../helpers/gradcheck.js";
import {
  allFinite,
  assertClose,
  assertShape,
  evaluate,
  reduceGroups,
  refLogSumExp,
  size,
  type Tol,
  weightedGrads,
  weights,
} from "./support.js";

const VALUE: Tol = { atol: 1e-6, rtol: 1e-5 };
const GRAD: Tol = { atol: 1e-6, rtol: 1e-5 };
const ORACLE: Tol = { atol: 1e-5, rtol: 1e-4 };

const int32 = (data: number[], shape: number[]): Tensor => tensor(data, shape, "int32");

// --- softmax / logSoftmax --------------------------------------------------------

/** Float64 softmax (or log-softmax) of x along `axis`, and the gradient of Σ y·w. */
function refSoftmax(x: ArrayLike<number>, shape: number[], axis: number, log: boolean, w: Float64Array) {
  const value = new Float64Array(x.length);
  const grad = new Float64Array(x.length);
  for (const g of reduceGroups(shape, [axis])) {
    const xs = g.map((i) => x[i]);
    const lse = refLogSumExp(xs);
    const p = xs.map((v) => Math.exp(v - lse));
    g.forEach((i, j) => {
      value[i] = log ? xs[j] - lse : p[j];
    });
    const ws = g.map((i) => w[i]);
    if (log) {
      const sw = ws.reduce((a, b) => a + b, 0);
      g.forEach((i, j) => {
        grad[i] = ws[j] - p[j] * sw;
      });
    } else {
      const dot = ws.reduce((a, v, j) => a + v * p[j], 0);
      g.forEach((i, j) => {
        grad[i] = p[j] * (ws[j] - dot);
      });
    }
  }
  return { value, grad };
}

for (const [name, op, log] of [
  ["softmax", ops.softmax, false],
  ["logSoftmax", ops.logSoftmax, true],
] as const) {
  for (const axis of [0, 1, 2, -1, -2]) {
    test(`${name}: axis ${axis} of [2,3,4]: values and gradient match float64`, () => {
      const shape = [2, 3, 4];
      const x = randTensor(shape, 51, -3, 3);
      const w = weights(24);
      const ref = refSoftmax(x.f32, shape, axis < 0 ? axis + 3 : axis, log, w);
      tidy(() => {
        const y = op(x, axis);
        assertShape(y, shape);
        assertClose(y.f32, ref.value, VALUE, name);
      });
      const r = weightedGrads(() => op(x, axis), [x], w);
      assertClose(r.grads[0]!, ref.grad, GRAD, `d${name}`);
    });

    test(`${name}: axis ${axis}: gradient passes the finite-difference check`, () => {
      gradCheck((t) => op(t, axis), [randTensor([2, 3, 4], 52, -2, 2)]);
    });
  }

  test(`${name}: large inputs stay finite (shifted by the row maximum)`, () => {
    tidy(() => {
      const y = op(tensor([1000, 1000, -1000]));
      assert.ok(allFinite(y.f32));
      assertClose(y.f32, log ? [-Math.LN2, -Math.LN2, -2000 - Math.LN2] : [0.5, 0.5, 0], VALUE);
    });
  });

  test(`${name}: masked positions get exactly zero gradient, unmasked ones that of the unmasked softmax`, () => {
    const x = randTensor([2, 4], 53, -2, 2);
    const mask = tensor([1, 0, 1, 1, 0, 1, 1, 0], [2, 4]);
    const w = weights(8);
    const r = weightedGrads(() => op(x, -1, mask), [x], w);
    // Reference: the (log-)softmax over the kept entries only. A masked log-softmax output is
    // MASK_VALUE − lse(kept), so its weight also reaches the kept entries (through −p).
    for (const [row, kept] of [
      [0, [0, 2, 3]],
      [1, [1, 2]],
    ] as const) {
      const idx = kept.map((c) => row * 4 + c);
      const xs = idx.map((i) => x.f32[i]);
      const p = xs.map((v) => Math.exp(v - refLogSumExp(xs)));
      const rowW = Array.from(w.subarray(row * 4, row * 4 + 4));
      const expected = idx.map((i, j) =>
        log
          ? w[i] - p[j] * rowW.reduce((a, b) => a + b, 0)
          : p[j] * (w[i] - idx.reduce((a, k, q) => a + w[k] * p[q], 0)),
      );
      assertClose(
        idx.map((i) => r.grads[0]![i]),
        expected,
        GRAD,
        `row ${row}`,
      );
    }
    for (const i of [1, 4, 7]) assert.ok(Object.is(r.grads[0]![i], 0), `masked gradient ${i} is +0`);
  });
}

test("softmax: masked positions get exactly zero probability", () => {
  tidy(() => {
    const x = tensor([5, 100, -1, 0.5, 3, -2], [2, 3]);
    const mask = tensor([1, 0, 1, 0, 1, 1], [2, 3]);
    const p = ops.softmax(x, -1, mask);
    assert.equal(p.f32[1], 0);
    assert.equal(p.f32[3], 0);
    assertClose(
      p.f32,
      [
        1 / (1 + Math.exp(-6)),
        0,
        Math.exp(-6) / (1 + Math.exp(-6)),
        0,
        1 / (1 + Math.exp(-5)),
        Math.exp(-5) / (1 + Math.exp(-5)),
      ],
      VALUE,
    );
  });
});

test("softmax: a broadcast mask [2,1,4] applies to every row of [2,3,4]", () => {
  const x = randTensor([2, 3, 4], 54);
  const mask = tensor([1, 1, 0, 1, 0, 1, 1, 1], [2, 1, 4]);
  tidy(() => {
    const p = ops.softmax(x, -1, mask);
    for (let b = 0; b < 2; b++)
      for (let t = 0; t < 3; t++) {
        const row = Array.from(p.f32.subarray((b * 3 + t) * 4, (b * 3 + t + 1) * 4));
        row.forEach((v, c) => {
          if (mask.f32[b * 4 + c] === 0) assert.equal(v, 0);
        });
        assertClose([row.reduce((s, v) => s + v, 0)], [1], VALUE);
      }
  });
  gradCheck((t) => ops.softmax(t, -1, mask), [x]);
});

test("softmax: a mask over a non-last axis", () => {
  const x = randTensor([3, 2], 55);
  const mask = tensor([1, 0, 0, 1, 1, 1], [3, 2]);
  const r = weightedGrads(() => ops.softmax(x, 0, mask), [x], weights(6));
  tidy(() => {
    const p = ops.softmax(x, 0, mask);
    assert.equal(p.f32[1], 0);
    assert.equal(p.f32[2], 0);
    assertClose([p.f32[0] + p.f32[4], p.f32[3] + p.f32[5]], [1, 1], VALUE);
  });
  assert.equal(r.grads[0]![1], 0);
  assert.equal(r.grads[0]![2], 0);
});

test("softmax and logSoftmax: an all-masked row is finite, with zero gradient", () => {
  const x = randTensor([2, 3], 56);
  const mask = tensor([0, 0, 0, 1, 1, 0], [2, 3]);
  for (const op of [ops.softmax, ops.logSoftmax]) {
    const r = weightedGrads(() => op(x, -1, mask), [x], weights(6));
    tidy(() => assert.ok(allFinite(op(x, -1, mask).f32)));
    assert.ok(allFinite(r.grads[0]!));
    assert.deepEqual(Array.from(r.grads[0]!.subarray(0, 3)), [0, 0, 0]);
  }
});

test("softmax and logSoftmax: a row masked entirely with -inf (via where) gives 0 (log: -inf), never NaN", () => {
  const x = randTensor([2, 3], 57);
  const keep = tensor([0, 0, 0, 1, 0, 1], [2, 3]);
  const p = weightedGrads(() => ops.softmax(ops.where(keep, x, Number.NEGATIVE_INFINITY)), [x], weights(6));
  const lp = weightedGrads(
    () => ops.logSoftmax(ops.where(keep, x, Number.NEGATIVE_INFINITY)),
    [x],
    weights(6),
  );
  tidy(() => {
    const y = ops.softmax(ops.where(keep, x, Number.NEGATIVE_INFINITY));
    assert.deepEqual(Array.from(y.f32.subarray(0, 3)), [0, 0, 0]);
    const ly = ops.logSoftmax(ops.where(keep, x, Number.NEGATIVE_INFINITY));
    assert.deepEqual(Array.from(ly.f32.subarray(0, 3)), new Array(3).fill(Number.NEGATIVE_INFINITY));
  });
  assert.ok(allFinite(p.grads[0]!) && allFinite(lp.grads[0]!));
  assert.deepEqual(Array.from(p.grads[0]!.subarray(0, 3)), [0, 0, 0]);
});

test("softmax: -inf inputs get probability 0 and a finite, zero gradient", () => {
  const x = tensor([0, Number.NEGATIVE_INFINITY, Math.log(3)]);
  const r = weightedGrads(() => ops.softmax(x), [x], Float64Array.of(1, 2, 3));
  tidy(() => assertClose(ops.softmax(x).f32, [0.25, 0, 0.75], VALUE));
  assert.ok(allFinite(r.grads[0]!));
  assert.equal(r.grads[0]![1], 0);
});

// --- sparseCrossEntropy ------------------------------------------------------------

/** The composed oracle: −Σ target·logSoftmax(logits), target 1−ls on the label and ls/(V−1) elsewhere. */
function composedCrossEntropy(logits: Tensor, labels: Tensor, ls: number): Tensor {
  const classes = logits.shape[logits.rank - 1];
  const hot = ops.oneHot(labels, classes);
  const target = ops.add(ops.mul(hot, 1 - ls), ops.mul(ops.sub(1, hot), ls / (classes - 1)));
  return ops.neg(ops.sum(ops.mul(target, ops.logSoftmax(logits)), -1));
}

for (const ls of [0, 0.1, 0.3]) {
  test(`sparseCrossEntropy: label smoothing ${ls}: values and gradient equal the composed oracle`, () => {
    const logits = randTensor([2, 3, 5], 61, -3, 3);
    const labels = int32([0, 4, 2, 2, 1, 3], [2, 3]);
    const w = weights(6);
    const fused = weightedGrads(() => ops.sparseCrossEntropy(logits, labels, ls), [logits], w);
    const oracle = weightedGrads(() => composedCrossEntropy(logits, labels, ls), [logits], w);
    assert.deepEqual(fused.shape, []);
    tidy(() => {
      const y = ops.sparseCrossEntropy(logits, labels, ls);
      assertShape(y, [2, 3]);
      assertClose(y.f32, composedCrossEntropy(logits, labels, ls).f32, ORACLE, "loss");
    });
    assertClose(fused.grads[0]!, oracle.grads[0]!, ORACLE, "dlogits");
  });

  test(`sparseCrossEntropy: label smoothing ${ls}: gradient passes the finite-difference check`, () => {
    const labels = int32([1, 0, 3], [3]);
    gradCheck((t) => ops.sparseCrossEntropy(t, labels, ls), [randTensor([3, 4], 62, -2, 2)]);
  });
}

test("sparseCrossEntropy: hand-computed values with and without label smoothing", () => {
  tidy(() => {
    const logits = tensor([0, Math.log(3), 0, 0, 0, 0], [2, 3]);
    // Row 0: p = [1/5, 3/5, 1/5]; row 1: uniform.
    const plain = ops.sparseCrossEntropy(logits, int32([1, 2], [2]));
    assertClose(plain.f32, [-Math.log(0.6), Math.log(3)], VALUE);
    const smooth = ops.sparseCrossEntropy(logits, int32([1, 2], [2]), 0.2);
    assertClose(smooth.f32, [-(0.8 * Math.log(0.6) + 0.2 * Math.log(0.2)), Math.log(3)], VALUE);
  });
});

test("sparseCrossEntropy: the gradient is softmax − target", () => {
  const logits = tensor([0, Math.log(3), 0], [1, 3]);
  const r = evaluate(() => ops.sum(ops.sparseCrossEntropy(logits, int32([1], [1]), 0.2)), [logits]);
  assertClose(r.grads[0]!, [0.2 - 0.1, 0.6 - 0.8, 0.2 - 0.1], GRAD);
});

test("sparseCrossEntropy: a label out of range, a label shape mismatch and float labels throw", () => {
  tidy(() => {
    const logits = randTensor([2, 3], 63);
    assert.throws(() => ops.sparseCrossEntropy(logits, int32([0, 3], [2])), /out of range/);
    assert.throws(() => ops.sparseCrossEntropy(logits, int32([0, -1], [2])), /out of range/);
    assert.throws(() => ops.sparseCrossEntropy(logits, int32([0, 1, 2], [3])), /do not match/);
    assert.throws(() => ops.sparseCrossEntropy(logits, tensor([0, 1])), /int32 expected/);
  });
});

// --- gather / oneHot -------------------------------------------------------------------

/** Float64 gather along `axis` and the scatter-add gradient of Σ out·w. */
function refGather(
  x: ArrayLike<number>,
  shape: number[],
  idx: number[],
  idxShape: number[],
  axis: number,
  w: Float64Array,
) {
  const outer = size(shape.slice(0, axis));
  const len = shape[axis];
  const inner = size(shape.slice(axis + 1));
  const value: number[] = [];
  const grad = new Float64Array(x.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < idx.length; i++)
      for (let c = 0; c < inner; c++) {
        const src = (o * len + idx[i]) * inner + c;
        grad[src] += w[value.length];
        value.push(x[src]);
      }
  return { shape: [...shape.slice(0, axis), ...idxShape, ...shape.slice(axis + 1)], value, grad };
}

test("gather: axis 0 embedding lookup with repeated indices scatter-adds the gradient", () => {
  const table = randTensor([5, 3], 71);
  const ids = int32([1, 3, 1, 0, 1, 4], [2, 3]);
  const w = weights(18);
  const ref = refGather(table.f32, [5, 3], [1, 3, 1, 0, 1, 4], [2, 3], 0, w);
  tidy(() => {
    const y = ops.gather(table, ids);
    assertShape(y, [2, 3, 3]);
    assert.deepEqual(Array.from(y.f32), ref.value);
  });
  const r = weightedGrads(() => ops.gather(table, ids), [table], w);
  assertClose(r.grads[0]!, ref.grad, GRAD, "dtable");
  // Row 1 was looked up three times: its gradient is the sum of three weight rows; row 2 never.
  assertClose(
    Array.from(r.grads[0]!.subarray(3, 6)),
    [0, 1, 2].map((c) => w[c] + w[6 + c] + w[12 + c]),
    GRAD,
  );
  assert.deepEqual(Array.from(r.grads[0]!.subarray(6, 9)), [0, 0, 0]);
  gradCheck((t) => ops.gather(t, ids), [table]);
});

for (const [axis, idx, idxShape] of [
  [1, [2, 0, 2], [3]],
  [1, [3, 1, 1, 1], [2, 2]],
  [-2, [0, 3], [2]],
  [2, [2, 0], [2]],
] as const) {
  test(`gather: axis ${axis} of [2,4,3] with indices [${idx}] of shape [${idxShape}]`, () => {
    const x = randTensor([2, 4, 3], 72);
    const a = axis < 0 ? axis + 3 : axis;
    const indices = int32([...idx], [...idxShape]);
    const w = weights(size([...x.shape.slice(0, a), ...idxShape, ...x.shape.slice(a + 1)]));
    const ref = refGather(x.f32, [2, 4, 3], [...idx], [...idxShape], a, w);
    tidy(() => {
      const y = ops.gather(x, indices, axis);
      assertShape(y, ref.shape);
      assert.deepEqual(Array.from(y.f32), ref.value);
    });
    const r = weightedGrads(() => ops.gather(x, indices, axis), [x], w);
    assertClose(r.grads[0]!, ref.grad, GRAD, "dx");
    gradCheck((t) => ops.gather(t, indices, axis), [x]);
  });
}

test("gather: an index out of range throws", () => {
  tidy(() => {
    assert.throws(() => ops.gather(randTensor([4, 2], 73), int32([0, 4], [2])), /out of range/);
    assert.throws(() => ops.gather(randTensor([4, 2], 73), int32([-1], [1]), 1), /out of range/);
  });
});

test("oneHot: float one-hot rows of the given depth, in the indices' shape", () => {
  tidy(() => {
    const y = ops.oneHot(int32([2, 0, 1, 2], [2, 2]), 3);
    assert.equal(y.dtype, "float32");
    assertShape(y, [2, 2, 3]);
    assert.deepEqual(Array.from(y.f32), [0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });
});

test("oneHot: an index out of range throws", () => {
  tidy(() => {
    assert.throws(() => ops.oneHot(int32([3], [1]), 3), /out of range/);
  });
});

test("gradcheck op:oneHot — a constant of the labels: x·oneHot(labels) gives x the one-hot rows as gradient", () => {
  tidy(() => {
    const labels = int32([2, 0, 1, 2, 1, 0], [2, 3]);
    gradCheck((x) => ops.mul(x, ops.oneHot(labels, 4)), [randTensor([2, 3, 4], 21)], {
      atol: 1e-4,
      rtol: 1e-4,
    });
  });
});

// --- layerNorm ----------------------------------------------------------------------------

/** The composed oracle: (x − mean)·rsqrt(var + eps)·gamma + beta over the last axis. */
function composedLayerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): Tensor {
  const mu = ops.mean(x, -1, true);
  const d = ops.sub(x, mu);
  const variance = ops.mean(ops.square(d), -1, true);
  return ops.add(ops.mul(ops.mul(d, ops.rsqrt(ops.add(variance, eps))), gamma), beta);
}

for (const eps of [1e-6, 0.1]) {
  test(`layerNorm: eps ${eps}: values and gradients (x, gamma, beta) equal the composed oracle`, () => {
    const x = randTensor([2, 3, 5], 81, -2, 2);
    const gamma = randTensor([5], 82, 0.5, 1.5);
    const beta = randTensor([5], 83);
    const w = weights(30);
    const fused = weightedGrads(() => ops.layerNorm(x, gamma, beta, eps), [x, gamma, beta], w);
    const oracle = weightedGrads(() => composedLayerNorm(x, gamma, beta, eps), [x, gamma, beta], w);
    tidy(() => {
      const y = ops.layerNorm(x, gamma, beta, eps);
      assertShape(y, [2, 3, 5]);
      assertClose(y.f32, composedLayerNorm(x, gamma, beta, eps).f32, ORACLE, "y");
    });
    assert.deepEqual(fused.gradShapes, [[2, 3, 5], [5], [5]]);
    ["dx", "dgamma", "dbeta"].forEach((what, k) => {
      assertClose(fused.grads[k]!, oracle.grads[k]!, ORACLE, what);
    });
  });
}

test("layerNorm: values match a float64 reference", () => {
  tidy(() => {
    const x = tensor([1, 2, 3, 4, -1, 0, 0, 1], [2, 4]);
    const gamma = tensor([1, 2, 1, 0.5]);
    const beta = tensor([0, 0, 1, -1]);
    const y = ops.layerNorm(x, gamma, beta);
    const expected: number[] = [];
    for (let r = 0; r < 2; r++) {
      const row = Array.from(x.f32.subarray(r * 4, r * 4 + 4));
      const mu = row.reduce((a, b) => a + b, 0) / 4;
      const v = row.reduce((a, b) => a + (b - mu) ** 2, 0) / 4;
      row.forEach((xv, c) => {
        expected.push(((xv - mu) / Math.sqrt(v + 1e-6)) * gamma.f32[c] + beta.f32[c]);
      });
    }
    assertClose(y.f32, expected, VALUE);
  });
});

test("layerNorm: gradient passes the finite-difference check", () => {
  gradCheck(
    (x, g, b) => ops.layerNorm(x, g, b),
    [randTensor([3, 4], 84), randTensor([4], 85), randTensor([4], 86)],
  );
});

test("layerNorm: a constant row gives beta, with finite gradients", () => {
  const x = tensor([2, 2, 2]);
  const gamma = tensor([1, 1, 1]);
  const beta = tensor([0.5, -0.5, 0]);
  const r = weightedGrads(() => ops.layerNorm(x, gamma, beta), [x, gamma, beta], Float64Array.of(1, 2, 3));
  tidy(() => assert.deepEqual(Array.from(ops.layerNorm(x, gamma, beta).f32), [0.5, -0.5, 0]));
  assert.ok(r.grads.every((g) => allFinite(g!)));
});

test("layerNorm: scale or bias of the wrong size throws", () => {
  tidy(() => {
    assert.throws(
      () => ops.layerNorm(randTensor([2, 4], 1), randTensor([3], 2), randTensor([4], 3)),
      /layer norm/,
    );
    assert.throws(
      () => ops.layerNorm(randTensor([2, 4], 1), randTensor([4], 2), randTensor([5], 3)),
      /layer norm/,
    );
  });
});

// --- dropout ------------------------------------------------------------------------------

/** A uniform source returning fixed draws and recording each request. */
function fixedUniform(draws: number[]) {
  const calls: number[] = [];
  const uniform = (n: number): Float32Array => {
    calls.push(n);
    return Float32Array.from(draws.slice(0, n));
  };
  return { uniform, calls };
}

test("dropout: keeps elements whose draw is ≥ rate, scaled by 1/(1−rate)", () => {
  const x = randTensor([2, 3], 91);
  const { uniform, calls } = fixedUniform([0.1, 0.25, 0.9, 0.24, 0.5, 0]);
  tidy(() => {
    const y = ops.dropout(x, 0.25, uniform);
    assert.deepEqual(calls, [6]);
    const scale = Math.fround(1 / 0.75);
    assert.deepEqual(
      Array.from(y.f32),
      [0, 1, 1, 0, 1, 0].map((k, i) => Math.fround(x.f32[i] * k * scale)),
    );
  });
});

test("dropout: the gradient equals the mask", () => {
  const x = randTensor([2, 3], 92);
  const { uniform } = fixedUniform([0.1, 0.25, 0.9, 0.24, 0.5, 0]);
  const w = weights(6);
  const r = weightedGrads(() => ops.dropout(x, 0.25, uniform), [x], w);
  const scale = Math.fround(1 / 0.75);
  assert.deepEqual(
    Array.from(r.grads[0]!),
    [0, 1, 1, 0, 1, 0].map((k, i) => Math.fround(Math.fround(w[i]) * k * scale)),
  );
});

test("dropout: a noise shape [2,1,3] shares one draw along the broadcast axis", () => {
  const x = randTensor([2, 4, 3], 93);
  const { uniform, calls } = fixedUniform([0.9, 0.1, 0.6, 0.2, 0.7, 0.8]);
  const mask = [1, 0, 1, 0, 1, 1].map((k) => k * Math.fround(1 / 0.5));
  const expected = (i: number): number => mask[Math.floor(i / 12) * 3 + (i % 3)];
  tidy(() => {
    const y = ops.dropout(x, 0.5, uniform, [2, 1, 3]);
    assert.deepEqual(calls, [6]);
    assertShape(y, [2, 4, 3]);
    assert.deepEqual(
      Array.from(y.f32),
      Array.from(x.f32, (v, i) => Math.fround(v * expected(i))),
    );
  });
  const r = evaluate(() => ops.sum(ops.dropout(x, 0.5, uniform, [2, 1, 3])), [x]);
  assert.deepEqual(
    Array.from(r.grads[0]!),
    Array.from({ length: 24 }, (_, i) => expected(i)),
  );
});

test("dropout: rate 0 is the identity and draws nothing; rate 1 throws", () => {
  const x = randTensor([3], 94);
  const { uniform, calls } = fixedUniform([0.5, 0.5, 0.5]);
  assert.equal(ops.dropout(x, 0, uniform), x);
  assert.deepEqual(calls, []);
  assert.throws(() => ops.dropout(x, 1, uniform), /must be < 1/);
});

test("dropout: gradient passes the finite-difference check", () => {
  const { uniform } = fixedUniform([0.9, 0.1, 0.6, 0.2, 0.7, 0.8]);
  gradCheck((t) => ops.dropout(t, 0.3, uniform, [2, 1, 3]), [randTensor([2, 2, 3], 95)]);
});

// --- composite ---------------------------------------------------------------------------

test("a composite layerNorm(tanh(x·W)) passes the finite-difference check", () => {
  gradCheck(
    (x, wt, g, b) => ops.layerNorm(ops.tanh(ops.matmul(x, wt)), g, b),
    [randTensor([3, 4], 1), randTensor([4, 2], 2), randTensor([2], 3), randTensor([2], 4)],
  );
});

test("filterGrad: identity forward; a batch entry whose max squared gradient reaches the threshold gets none", () => {
  const x = new Tensor([3, 2], Float32Array.of(1, 2, 3, 4, 5, 6));
  const w = new Tensor([3, 2], Float32Array.of(0.1, 0.2, 3, 0.1, 0.5, Number.NaN));
  const { value, grads } = valueAndGrads(() => ops.sum(ops.mul(ops.filterGrad(x, 1), w)), [x]);
  assert.ok(Number.isNaN(value.item()));
  // Row 0: max 0.04 < 1 kept; row 1: 9 ≥ 1 dropped; row 2: NaN dropped.
  assert.deepEqual(Array.from(grads[0]!.f32), [0.1, 0.2, 0, 0, 0, 0].map(Math.fround));
  assert.deepEqual(Array.from(ops.filterGrad(x, 1).f32), [1, 2, 3, 4, 5, 6]);
});
