/**
 * The pure-TS reference kernels, checked directly against float64 references.
 *
 * Most kernels promise "float64 inside, one rounding at the store" and a fixed
 * summation order, so their outputs are compared bit for bit with a reference
 * that does the same arithmetic in the same order. Where a tolerance is used it
 * is stated at the assertion.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { kernels, setKernels } from "../../src/kernels/active.js";
import { jsKernels } from "../../src/kernels/js/index.js";
import { erf, gelu, geluGrad, sigmoid } from "../../src/kernels/js/math.js";
import { contiguousStrides, forEachRow, isContiguous } from "../../src/kernels/js/strided.js";
import type { BinaryOp, Kernels, UnaryOp } from "../../src/kernels/kernels.js";
import * as ops from "../../src/tensor/ops/index.js";
import { tensor, tidy } from "../../src/tensor/tensor.js";
import { testRandom } from "../helpers/gradcheck.js";

const k = jsKernels;

function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = testRandom(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

function assertBits(actual: Float32Array, expected: ArrayLike<number>, what = "value"): void {
  const e = Float32Array.from(expected);
  assert.equal(actual.length, e.length, `${what}: length`);
  for (let i = 0; i < e.length; i++) {
    assert.ok(Object.is(actual[i], e[i]), `${what}[${i}]: got ${actual[i]}, expected ${e[i]}`);
  }
}

function assertNear(actual: number, expected: number, atol: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= atol,
    `${what}: got ${actual}, expected ${expected} (atol ${atol})`,
  );
}

// --- math.ts ---------------------------------------------------------------------

// Python math.erf (float64).
const erfTable: [number, number][] = [
  [0.1, 0.1124629160182849],
  [0.5, 0.5204998778130465],
  [1, 0.8427007929497149],
  [1.5, 0.9661051464753108],
  [2, 0.9953222650189527],
  [2.49, 0.9995707121322661],
  [2.5, 0.999593047982555],
  [2.6, 0.9997639655834707],
  [3, 0.9999779095030014],
  [4, 0.9999999845827421],
  [5, 0.9999999999984626],
  [6.5, 1],
  [-0.3, -0.3286267594591274],
  [-2.7, -0.9998656672600594],
];

test("erf: within 1e-15 of float64 references on both sides of the series/continued-fraction switch", () => {
  for (const [x, v] of erfTable) assertNear(erf(x), v, 1e-15, `erf(${x})`);
  assert.equal(erf(0), 0);
});

test("erf: is odd", () => {
  for (const x of [0.2, 1.7, 2.5, 3.3, 7]) assert.equal(erf(-x), -erf(x));
});

test("gelu and geluGrad: exact GELU values; the derivative matches a central difference to 1e-9", () => {
  assertNear(gelu(1), 0.8413447460685429, 1e-15, "gelu(1)");
  assertNear(gelu(-1), -0.15865525393145707, 1e-15, "gelu(-1)");
  assertNear(geluGrad(1), 1.0833154705876864, 1e-15, "gelu'(1)");
  for (const x of [-4, -2.6, -1, -0.1, 0, 0.7, 2.4, 3.5]) {
    const h = 1e-5;
    assertNear(geluGrad(x), (gelu(x + h) - gelu(x - h)) / (2 * h), 1e-9, `gelu'(${x})`);
  }
});

test("sigmoid: stable at large |x| and symmetric", () => {
  assert.equal(sigmoid(1000), 1);
  assert.equal(sigmoid(-1000), 0);
  assert.equal(sigmoid(0), 0.5);
  for (const x of [0.3, 2, 15, 40]) assertNear(sigmoid(-x), 1 - sigmoid(x), 1e-15, `σ(${-x})`);
});

// --- element-wise -----------------------------------------------------------------

// GELU and sigmoid written from their definitions, independently of src/kernels/js/math.ts:
// erf by the all-positive series erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)) (math.ts
// uses the alternating Taylor series and a continued fraction). They agree with the
// kernels to 1 float32 ulp, not bitwise (a different float64 route).
function erfRef(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200 && Math.abs(term) > 1e-20 * Math.abs(sum); n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}
const phi = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
const geluRef = (x: number) => 0.5 * x * (1 + erfRef(x / Math.SQRT2));
const geluGradRef = (x: number) => 0.5 * (1 + erfRef(x / Math.SQRT2)) + x * phi(x);
const sigmoidRef = (x: number) => 1 / (1 + Math.exp(-x));
/** Ops whose reference is an independent formula: compared to 1 float32 ulp. */
const toUlp = new Set(["gelu", "sigmoid", "gelu_grad"]);

function assertUlp(actual: Float32Array, expected: ArrayLike<number>, what: string): void {
  for (let i = 0; i < expected.length; i++) {
    const e = Math.fround(expected[i]);
    const ulp = 2 ** (Math.floor(Math.log2(Math.abs(e) || 2 ** -126)) - 23);
    assert.ok(Math.abs(actual[i] - e) <= ulp, `${what}[${i}]: ${actual[i]} vs reference ${e}`);
  }
}

const unaryRefs: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  abs: Math.abs,
  relu: (x) => Math.max(x, 0),
  gelu: geluRef,
  tanh: Math.tanh,
  sigmoid: sigmoidRef,
  sign: Math.sign,
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
};

for (const [op, f] of Object.entries(unaryRefs) as [UnaryOp, (x: number) => number][]) {
  test(`unary ${op}: float64 evaluation rounded once to float32`, () => {
    const x = rand(16, 1, 0.1, 3);
    x.set([-2.5, -0.5, 0], 0);
    const out = new Float32Array(16);
    k.unary(op, x, out);
    (toUlp.has(op) ? assertUlp : assertBits)(
      out,
      Array.from(x, (v) => f(v)),
      op,
    );
  });
}

test("unary relu keeps NaN and maps -0 to +0", () => {
  const out = new Float32Array(2);
  k.unary("relu", Float32Array.of(Number.NaN, -0), out);
  assert.ok(Number.isNaN(out[0]));
  assert.ok(Object.is(out[1], 0));
});

const binaryRefs: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  max: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b)),
  min: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.min(a, b)),
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
  relu_grad: (x, g) => (x > 0 ? g : 0),
  gelu_grad: (x, g) => g * geluGradRef(x),
  tanh_grad: (y, g) => g * (1 - y * y),
  sigmoid_grad: (y, g) => g * y * (1 - y),
};

for (const [op, f] of Object.entries(binaryRefs) as [BinaryOp, (a: number, b: number) => number][]) {
  test(`binary ${op}: contiguous and broadcast (strided) paths both match the float64 reference`, () => {
    const a = rand(6, 2, 0.2, 2);
    const b = rand(3, 3, -1.5, 1.5);
    a[1] = b[1]; // a tie for the comparisons
    // Contiguous: b materialised to [2, 3].
    const bFull = Float32Array.from({ length: 6 }, (_, i) => b[i % 3]);
    const expected = Array.from(a, (v, i) => f(v, bFull[i]));
    const contiguous = new Float32Array(6);
    k.binary(op, a, [3, 1], bFull, [3, 1], contiguous, [2, 3]);
    const check = toUlp.has(op) ? assertUlp : assertBits;
    check(contiguous, expected, `${op} contiguous`);
    const strided = new Float32Array(6);
    k.binary(op, a, [3, 1], b, [0, 1], strided, [2, 3]);
    check(strided, expected, `${op} strided`);
  });
}

test("binary max and min propagate NaN from either side", () => {
  for (const op of ["max", "min"] as const) {
    const out = new Float32Array(2);
    k.binary(op, Float32Array.of(Number.NaN, 1), [1], Float32Array.of(1, Number.NaN), [1], out, [2]);
    assert.ok(out.every(Number.isNaN), op);
  }
});

test("binary: rank-0 operands and a rank-0 output", () => {
  const out = new Float32Array(1);
  k.binary("sub", Float32Array.of(5), [], Float32Array.of(7), [], out, []);
  assert.equal(out[0], -2);
});

test("where: broadcast operands, nonzero condition selects a", () => {
  const out = new Float32Array(6);
  const cond = Float32Array.of(1, 0, -2);
  k.where(cond, [0, 1], Float32Array.of(10, 20), [1, 0], Float32Array.of(-1), [0, 0], out, [2, 3]);
  assert.deepEqual(Array.from(out), [10, -1, 10, 20, -1, 20]);
});

// --- matmul -------------------------------------------------------------------------

/** op(A)·op(B) per batch, each dot product summed over p ascending in float64. */
function refMatmul(
  a: Float32Array,
  b: Float32Array,
  s: {
    batch: number;
    m: number;
    n: number;
    k: number;
    transA: boolean;
    transB: boolean;
    aBatchStride: number;
    bBatchStride: number;
  },
): number[] {
  const out: number[] = [];
  for (let t = 0; t < s.batch; t++)
    for (let i = 0; i < s.m; i++)
      for (let j = 0; j < s.n; j++) {
        let acc = 0;
        for (let p = 0; p < s.k; p++) {
          const av = a[t * s.aBatchStride + (s.transA ? p * s.m + i : i * s.k + p)];
          const bv = b[t * s.bBatchStride + (s.transB ? j * s.k + p : p * s.n + j)];
          acc += av * bv;
        }
        out.push(acc);
      }
  return out;
}

for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    for (const [m, n, kk] of [
      [3, 7, 5],
      [1, 4, 9],
      [4, 1, 1],
      [2, 9, 33],
    ]) {
      test(`matmul kernel: ${m}×${kk}·${kk}×${n} transA=${transA} transB=${transB}, batched and shared, bitwise`, () => {
        const batch = 3;
        for (const [aShared, bShared] of [
          [false, false],
          [true, false],
          [false, true],
        ]) {
          const spec = {
            batch,
            m,
            n,
            k: kk,
            transA,
            transB,
            aBatchStride: aShared ? 0 : m * kk,
            bBatchStride: bShared ? 0 : kk * n,
          };
          const a = rand((aShared ? 1 : batch) * m * kk, 10 + m);
          const b = rand((bShared ? 1 : batch) * kk * n, 20 + n);
          const out = new Float32Array(batch * m * n);
          k.matmul(a, b, out, spec);
          assertBits(out, refMatmul(a, b, spec), `shared a=${aShared} b=${bShared}`);
        }
      });
    }
  }
}

test("matmul kernel: a smaller call after a larger one is unaffected by reused scratch buffers", () => {
  const big = { batch: 1, m: 8, n: 8, k: 8, transA: true, transB: false, aBatchStride: 0, bBatchStride: 0 };
  k.matmul(rand(64, 1), rand(64, 2), new Float32Array(64), big);
  const small = { batch: 2, m: 2, n: 3, k: 2, transA: true, transB: false, aBatchStride: 4, bBatchStride: 6 };
  const a = rand(8, 3);
  const b = rand(12, 4);
  const out = new Float32Array(12);
  k.matmul(a, b, out, small);
  assertBits(out, refMatmul(a, b, small));
});

test("matmul kernel: k = 0 gives zeros", () => {
  const out = new Float32Array(6).fill(7);
  k.matmul(new Float32Array(0), new Float32Array(0), out, {
    batch: 1,
    m: 2,
    n: 3,
    k: 0,
    transA: false,
    transB: false,
    aBatchStride: 0,
    bBatchStride: 0,
  });
  assert.deepEqual(Array.from(out), [0, 0, 0, 0, 0, 0]);
});

// --- reductions and copy ----------------------------------------------------------------

for (const [outer, len, inner] of [
  [2, 5, 1],
  [3, 4, 2],
  [1, 7, 3],
  [2, 1, 4],
]) {
  test(`sum kernel: [${outer}, ${len}, ${inner}] is a float64 sum over j ascending, rounded once`, () => {
    const x = rand(outer * len * inner, 5, -1e4, 1e4);
    const out = new Float32Array(outer * inner);
    k.sum(x, out, outer, len, inner);
    const expected: number[] = [];
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        let s = 0;
        for (let j = 0; j < len; j++) s += x[(o * len + j) * inner + i];
        expected.push(s);
      }
    assertBits(out, expected);
  });
}

test("max kernel: the maximum, and argmax is the first index on ties", () => {
  const x = Float32Array.of(3, 1, 3, 2, 2, 0, -5, -5, -5);
  const out = new Float32Array(3);
  const arg = new Int32Array(3);
  k.max(x, out, arg, 3, 3, 1);
  assert.deepEqual(Array.from(out), [3, 2, -5]);
  assert.deepEqual(Array.from(arg), [0, 0, 0]);
  // Along a strided axis: [len=3, inner=2].
  const y = Float32Array.of(1, 9, 4, 9, 4, 2);
  const out2 = new Float32Array(2);
  const arg2 = new Int32Array(2);
  k.max(y, out2, arg2, 1, 3, 2);
  assert.deepEqual(
    [Array.from(out2), Array.from(arg2)],
    [
      [4, 9],
      [1, 0],
    ],
  );
});

test("max kernel: NaN wins and points argmax at the first NaN; an empty axis gives -inf", () => {
  const out = new Float32Array(1);
  const arg = new Int32Array(1);
  k.max(Float32Array.of(1, Number.NaN, 5, Number.NaN), out, arg, 1, 4, 1);
  assert.ok(Number.isNaN(out[0]));
  assert.equal(arg[0], 1);
  k.max(new Float32Array(0), out, arg, 1, 0, 1);
  assert.equal(out[0], Number.NEGATIVE_INFINITY);
});

test("copy kernel: a strided transpose into an offset destination, for float32 and int32", () => {
  // src [2, 3] read transposed as [3, 2] into dst at offset 1.
  const src = Float32Array.of(1, 2, 3, 4, 5, 6);
  const dst = new Float32Array(7);
  k.copy(src, 0, [1, 3], dst, 1, [2, 1], [3, 2]);
  assert.deepEqual(Array.from(dst), [0, 1, 4, 2, 5, 3, 6]);
  const isrc = Int32Array.of(7, 8, 9);
  const idst = new Int32Array(6);
  k.copy(isrc, 0, [0, 1], idst, 0, [3, 1], [2, 3]);
  assert.deepEqual(Array.from(idst), [7, 8, 9, 7, 8, 9]);
});

// --- strided.ts ----------------------------------------------------------------------------

test("contiguousStrides and isContiguous", () => {
  assert.deepEqual(contiguousStrides([2, 3, 4]), [12, 4, 1]);
  assert.deepEqual(contiguousStrides([]), []);
  assert.ok(isContiguous([12, 4, 1], [2, 3, 4]));
  assert.ok(isContiguous([3, 0, 1], [2, 1, 3]), "a size-1 axis's stride does not matter");
  assert.ok(!isContiguous([0, 1], [2, 3]));
  assert.ok(!isContiguous([1, 2], [2, 3]));
});

test("forEachRow: visits rows in row-major order with per-operand offsets", () => {
  const rows: [number[], number, number[]][] = [];
  forEachRow(
    [2, 2, 3],
    [
      [6, 3, 1],
      [0, 1, 0],
    ],
    (off, count, st) => rows.push([[...off], count, [...st]]),
  );
  assert.deepEqual(rows, [
    [[0, 0], 3, [1, 0]],
    [[3, 1], 3, [1, 0]],
    [[6, 0], 3, [1, 0]],
    [[9, 1], 3, [1, 0]],
  ]);
});

test("forEachRow: rank 0 is one row of one element; a zero-size axis is no rows", () => {
  const calls: number[] = [];
  forEachRow([], [[]], (_, count) => calls.push(count));
  assert.deepEqual(calls, [1]);
  forEachRow([2, 0, 3], [[0, 3, 1]], (_, count) => calls.push(count));
  assert.deepEqual(calls, [1]);
});

// --- softmax ----------------------------------------------------------------------------------

test("softmax kernel: max-shifted float64 evaluation rounded once; -inf entries give exact 0 (log: -inf)", () => {
  const x = Float32Array.of(0, Math.log(3), Number.NEGATIVE_INFINITY, 1000, 1000, 0);
  const p = new Float32Array(6);
  k.softmax(x, p, 2, 3, false);
  // Row 0: max x[1]; Σ = e^(0−x1) + 1 + 0. Row 1: max 1000; Σ = 1 + 1 + e^-1000.
  const s0 = Math.exp(-x[1]) + 1;
  const s1 = 2 + Math.exp(-1000);
  assertBits(p, [Math.exp(-x[1]) / s0, 1 / s0, 0, 1 / s1, 1 / s1, Math.exp(-1000) / s1]);
  assertClose6(p, [0.25, 0.75, 0, 0.5, 0.5, 0]);
  const lp = new Float32Array(6);
  k.softmax(x, lp, 2, 3, true);
  const lse0 = x[1] + Math.log(s0);
  const lse1 = 1000 + Math.log(s1);
  assertBits(lp, [-lse0, x[1] - lse0, Number.NEGATIVE_INFINITY, 1000 - lse1, 1000 - lse1, -lse1]);
});

/** Sanity against the exact values: |Δ| ≤ 1e-6. */
function assertClose6(actual: Float32Array, expected: number[]): void {
  expected.forEach((e, i) => {
    assertNear(actual[i], e, 1e-6, `[${i}]`);
  });
}

test("softmax kernel: an all -inf row gives zeros (log: -inf), never NaN", () => {
  const x = Float32Array.of(Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, 1, 2);
  const p = new Float32Array(4);
  k.softmax(x, p, 2, 2, false);
  assert.deepEqual(Array.from(p.subarray(0, 2)), [0, 0]);
  const lp = new Float32Array(4);
  k.softmax(x, lp, 2, 2, true);
  assert.deepEqual(Array.from(lp.subarray(0, 2)), [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  // The backward of such a row is finite too.
  const gx = new Float32Array(4);
  k.softmaxBackward(p, Float32Array.of(1, 2, 3, 4), gx, 2, 2, false);
  assert.deepEqual(Array.from(gx.subarray(0, 2)), [0, 0]);
  k.softmaxBackward(lp, Float32Array.of(1, 2, 3, 4), gx, 2, 2, true);
  assert.deepEqual(Array.from(gx.subarray(0, 2)), [1, 2]);
});

test("softmax kernel: a NaN input still gives NaN", () => {
  const p = new Float32Array(2);
  k.softmax(Float32Array.of(Number.NaN, Number.NEGATIVE_INFINITY), p, 1, 2, false);
  assert.ok(Number.isNaN(p[0]));
});

test("softmaxBackward: y·(gy − Σ gy·y), and ±inf or NaN in gy where y = 0 cannot leak", () => {
  const y = Float32Array.of(0.25, 0, 0.75);
  const gy = Float32Array.of(1, Number.POSITIVE_INFINITY, -2);
  const gx = new Float32Array(3);
  k.softmaxBackward(y, gy, gx, 1, 3, false);
  const dot = 0.25 * 1 + 0.75 * -2;
  assertBits(gx, [0.25 * (1 - dot), 0, 0.75 * (-2 - dot)]);
  k.softmaxBackward(y, Float32Array.of(1, Number.NaN, -2), gx, 1, 3, false);
  assertBits(gx, [0.25 * (1 - dot), 0, 0.75 * (-2 - dot)]);
});

test("softmaxBackward (log): gy − softmax·Σ gy", () => {
  const ly = Float32Array.of(Math.log(0.25), Math.log(0.75));
  const gy = Float32Array.of(2, -1);
  const gx = new Float32Array(2);
  k.softmaxBackward(ly, gy, gx, 1, 2, true);
  assertBits(gx, [2 - Math.exp(ly[0]) * 1, -1 - Math.exp(ly[1]) * 1]);
});

// --- layer norm ------------------------------------------------------------------------------

test("layerNorm kernel: y, mean and 1/std match float64", () => {
  const rows = 3;
  const cols = 5;
  const x = rand(rows * cols, 31, -3, 3);
  const gamma = rand(cols, 32, 0.5, 1.5);
  const beta = rand(cols, 33);
  const y = new Float32Array(rows * cols);
  const mean = new Float32Array(rows);
  const rstd = new Float32Array(rows);
  k.layerNorm(x, gamma, beta, y, mean, rstd, rows, cols, 1e-6);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
    const mu = row.reduce((a, b) => a + b, 0) / cols;
    const v = row.reduce((a, b) => a + (b - mu) ** 2, 0) / cols;
    const rs = 1 / Math.sqrt(v + 1e-6);
    assert.equal(mean[r], Math.fround(mu));
    assert.equal(rstd[r], Math.fround(rs));
    // y is computed from the float64 mean and 1/std: one rounding (1 ulp slack for operation order).
    row.forEach((xv, c) => {
      const ref = (xv - mu) * rs * gamma[c] + beta[c];
      assertNear(y[r * cols + c], ref, 2 ** -22 * Math.max(1, Math.abs(ref)), `y[${r},${c}]`);
    });
  }
});

test("layerNormBackward kernel: dx, dgamma, dbeta match float64 (|Δ| ≤ 1e-5·max(1, |ref|))", () => {
  const rows = 4;
  const cols = 6;
  const x = rand(rows * cols, 41, -2, 2);
  const gamma = rand(cols, 42, 0.5, 1.5);
  const beta = rand(cols, 43);
  const gy = rand(rows * cols, 44);
  const y = new Float32Array(rows * cols);
  const mean = new Float32Array(rows);
  const rstd = new Float32Array(rows);
  k.layerNorm(x, gamma, beta, y, mean, rstd, rows, cols, 1e-6);
  const dx = new Float32Array(rows * cols);
  const dgamma = new Float32Array(cols);
  const dbeta = new Float32Array(cols);
  k.layerNormBackward(x, gamma, mean, rstd, gy, dx, dgamma, dbeta, rows, cols);
  const dg = new Float64Array(cols);
  const db = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
    const mu = row.reduce((a, b) => a + b, 0) / cols;
    const rs = 1 / Math.sqrt(row.reduce((a, b) => a + (b - mu) ** 2, 0) / cols + 1e-6);
    const xh = row.map((v) => (v - mu) * rs);
    const d = row.map((_, c) => gy[r * cols + c] * gamma[c]);
    const mD = d.reduce((a, b) => a + b, 0) / cols;
    const mDX = d.reduce((a, v, c) => a + v * xh[c], 0) / cols;
    row.forEach((_, c) => {
      const ref = rs * (d[c] - mD - xh[c] * mDX);
      assertNear(dx[r * cols + c], ref, 1e-5 * Math.max(1, Math.abs(ref)), `dx[${r},${c}]`);
      dg[c] += gy[r * cols + c] * xh[c];
      db[c] += gy[r * cols + c];
    });
  }
  for (let c = 0; c < cols; c++) {
    assertNear(dgamma[c], dg[c], 1e-5 * Math.max(1, Math.abs(dg[c])), `dgamma[${c}]`);
    assertNear(dbeta[c], db[c], 1e-5 * Math.max(1, Math.abs(db[c])), `dbeta[${c}]`);
  }
});

// --- cross-entropy ---------------------------------------------------------------------------

test("crossEntropy kernel: loss and probs match float64, with and without smoothing", () => {
  const rows = 3;
  const classes = 4;
  const logits = rand(rows * classes, 51, -3, 3);
  const labels = Int32Array.of(2, 0, 3);
  for (const ls of [0, 0.1]) {
    const loss = new Float32Array(rows);
    const probs = new Float32Array(rows * classes);
    k.crossEntropy(logits, labels, loss, probs, rows, classes, ls);
    for (let r = 0; r < rows; r++) {
      const z = Array.from(logits.subarray(r * classes, (r + 1) * classes));
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
      let l = 0;
      z.forEach((v, c) => {
        const t = c === labels[r] ? 1 - ls : ls / (classes - 1);
        l -= t * (v - lse);
        assertNear(probs[r * classes + c], Math.exp(v - lse), 1e-7, `p[${r},${c}]`);
      });
      assertNear(loss[r], l, 1e-6 * Math.max(1, Math.abs(l)), `loss[${r}] ls=${ls}`);
    }
  }
});

test("crossEntropyBackward kernel: g·(p − target), and exactly +0 where the loss gradient is 0", () => {
  // Row 1 has g = 0: its p − target is negative (0·negative would be −0) and NaN (0·NaN would be NaN).
  const probs = Float32Array.of(0.2, 0.5, 0.3, 0, Number.NaN, 1);
  const labels = Int32Array.of(1, 0);
  const d = new Float32Array(6);
  k.crossEntropyBackward(probs, labels, Float32Array.of(2, 0), d, 2, 3, 0.2);
  assertBits(d, [2 * (probs[0] - 0.1), 2 * (probs[1] - 0.8), 2 * (probs[2] - 0.1), 0, 0, 0]);
});

test("crossEntropy kernel: one class with smoothing puts no mass elsewhere", () => {
  const loss = new Float32Array(1);
  const probs = new Float32Array(1);
  k.crossEntropy(Float32Array.of(3), Int32Array.of(0), loss, probs, 1, 1, 0.1);
  assert.ok(Number.isFinite(loss[0]));
  assert.equal(probs[0], 1);
});

// --- gather / scatterAdd ----------------------------------------------------------------------

test("gather and scatterAdd kernels: rows picked by index; repeated indices accumulate in order", () => {
  // x [outer=2, len=3, inner=2]
  const x = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
  const idx = Int32Array.of(2, 0, 2);
  const out = new Float32Array(12);
  k.gather(x, idx, out, 2, 3, 2);
  assert.deepEqual(Array.from(out), [5, 6, 1, 2, 5, 6, 11, 12, 7, 8, 11, 12]);
  const gx = new Float32Array(12);
  k.scatterAdd(
    Float32Array.from({ length: 12 }, (_, i) => i + 1),
    idx,
    gx,
    2,
    3,
    2,
  );
  assert.deepEqual(Array.from(gx), [3, 4, 0, 0, 1 + 5, 2 + 6, 9, 10, 0, 0, 7 + 11, 8 + 12]);
});

// --- adam ---------------------------------------------------------------------------------------

test("adam kernel: one step equals TensorFlow's formula, rounded where the state is stored", () => {
  const p = Float32Array.of(0.5, -1, 2);
  const g = Float32Array.of(0.1, -0.2, 0);
  const m = Float32Array.of(0.01, 0, -0.02);
  const v = Float32Array.of(0.001, 0.002, 0);
  const o = { lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, step: 3, weightDecay: 0.1 };
  const lrT = (o.lr * Math.sqrt(1 - o.beta2 ** o.step)) / (1 - o.beta1 ** o.step);
  const em = Array.from(m, (mi, i) => Math.fround(o.beta1 * mi + (1 - o.beta1) * g[i]));
  const ev = Array.from(v, (vi, i) => Math.fround(o.beta2 * vi + (1 - o.beta2) * g[i] * g[i]));
  const ep = Array.from(p, (pi, i) => {
    const decayed = pi - o.lr * o.weightDecay * pi;
    return decayed - (lrT * em[i]) / (Math.sqrt(ev[i]) + o.epsilon);
  });
  k.adam(p, g, m, v, o);
  assertBits(m, em, "m");
  assertBits(v, ev, "v");
  assertBits(p, ep, "p");
});

// --- the kernel registry ---------------------------------------------------------------------

/** The method names of `interface Kernels` in src/kernels/kernels.ts, read from the source so the list cannot go stale. */
function kernelsInterfaceMembers(): string[] {
  const src = readFileSync("src/kernels/kernels.ts", "utf8");
  const body = src.slice(src.indexOf("export interface Kernels {"));
  const end = body.search(/^}/m);
  return [...body.slice(0, end).matchAll(/^ {2}([a-zA-Z]+)\(/gm)].map((m) => m[1]);
}

test("jsKernels implements every member of the Kernels interface", () => {
  const members = kernelsInterfaceMembers();
  assert.ok(members.length >= 20 && members.includes("dropoutMask"), `parsed ${members}`);
  assert.equal(jsKernels.name, "js");
  for (const name of members)
    assert.equal(typeof (jsKernels as unknown as Record<string, unknown>)[name], "function", name);
});

test("ops run on whichever kernels are active", () => {
  const before = kernels();
  const seen: string[] = [];
  const spying: Kernels = {
    ...jsKernels,
    name: "spy",
    binary: (op, ...rest) => {
      seen.push(op);
      jsKernels.binary(op, ...rest);
    },
  };
  setKernels(spying);
  try {
    tidy(() => {
      const y = ops.add(tensor([1, 2]), tensor([3, 4]));
      assert.deepEqual(Array.from(y.f32), [4, 6]);
    });
  } finally {
    setKernels(before);
  }
  assert.deepEqual(seen, ["add"]);
  assert.equal(kernels(), before);
});
