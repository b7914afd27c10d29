/**
 * The native kernels against the JS reference on random inputs.
 *
 * Tolerances: most native kernels repeat the reference's arithmetic (float64
 * accumulators in the same order), so most outputs are compared bit for bit.
 * GEMM is the exception: each output element is one float32 FMA chain over k
 * ascending (native/src/gemm.h), compared bit for bit with a JS emulation of
 * that chain (test/helpers/fma.ts) and with the JS kernels' float64 sums at
 * |Δ| ≤ k·2^-23·Σ_p|a·b| (the float32 accumulation bound, doubled). Where
 * a kernel calls a transcendental function (exp, log, tanh, erf, pow) the C
 * library and V8 may differ in the last float64 bit, which can move the float32
 * result by one ulp: those compare at rtol 2.4e-7 (2 ulp). Cross-entropy
 * probabilities are e/Σe natively and exp(logit − lse) in JS: rtol 1e-6.
 *
 * Skipped when the addon is not built.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { jsKernels } from "../../src/kernels/js/index.js";
import type {
  AttentionSpec,
  BinaryOp,
  CrossAttentionSpec,
  MatmulSpec,
  UnaryOp,
} from "../../src/kernels/kernels.js";
import { nativeKernels } from "../../src/kernels/native/index.js";
import { fmaDot } from "../helpers/fma.js";
import { testRandom } from "../helpers/gradcheck.js";

const nk = nativeKernels();
const skip = nk === null ? "native addon not built" : false;
const js = jsKernels;

function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = testRandom(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

function randInt(n: number, bound: number, seed: number): Int32Array {
  const r = testRandom(seed);
  return Int32Array.from({ length: n }, () => Math.floor(r() * bound));
}

function assertBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i]))
      assert.fail(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (bitwise)`);
  }
}

function assertNear(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  atol: number,
  what: string,
) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e)))
      assert.fail(`${what}[${i}]: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}

const ULP2 = 2.4e-7;

/** The native GEMM contract in JS: out[t,i,j] = fmaf chain over p ascending (test/helpers/fma.ts). */
function fmaMatmul(a: Float32Array, b: Float32Array, s: MatmulSpec): Float32Array {
  const out = new Float32Array(s.batch * s.m * s.n);
  for (let t = 0; t < s.batch; t++) {
    const ao = t * s.aBatchStride;
    const bo = t * s.bBatchStride;
    for (let i = 0; i < s.m; i++)
      for (let j = 0; j < s.n; j++)
        out[(t * s.m + i) * s.n + j] = fmaDot(
          s.k,
          (p) => a[ao + (s.transA ? p * s.m + i : i * s.k + p)],
          (p) => b[bo + (s.transB ? j * s.k + p : p * s.n + j)],
        );
  }
  return out;
}

/** native ≈ js for a GEMM: |Δ| ≤ k·2^-23·Σ_p|a·b| per element (float32 accumulation vs float64). */
function assertGemmNear(got: Float32Array, a: Float32Array, b: Float32Array, s: MatmulSpec, what: string) {
  const want = new Float32Array(got.length);
  js.matmul(a, b, want, s);
  const absSum = new Float32Array(got.length);
  js.matmul(a.map(Math.abs), b.map(Math.abs), absSum, s);
  for (let i = 0; i < got.length; i++) {
    const bound = s.k * 2 ** -23 * absSum[i] * (1 + 1e-6) + 1e-38;
    if (!(Math.abs(got[i] - want[i]) <= bound))
      assert.fail(`${what}[${i}]: got ${got[i]}, js ${want[i]}, bound ${bound}`);
  }
}

const contiguous = (shape: readonly number[]): number[] => {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i];
  }
  return s;
};
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

// --- matmul --------------------------------------------------------------------------------

const matmulCases: [number, number, number, number][] = [
  [1, 1, 1, 1],
  [1, 3, 5, 7],
  [1, 13, 17, 29],
  [1, 40, 33, 300], // k beyond one 256-block
  [3, 25, 25, 64], // attention-like batch
  [2, 100, 70, 513],
  [37, 24, 1, 64], // matrix-vector shapes of search's cross-attention (gemm_thin.cc)
  [37, 1, 21, 64],
  [2, 1, 1, 300],
];

for (const [batch, m, n, k] of matmulCases) {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const shared of ["none", "a", "b"] as const) {
        test(`native matmul ${batch}×[${m}×${k}]·[${k}×${n}] tA=${transA} tB=${transB} shared=${shared}: bitwise float32 FMA chains, near js`, {
          skip,
        }, () => {
          const spec: MatmulSpec = {
            batch,
            m,
            n,
            k,
            transA,
            transB,
            aBatchStride: shared === "a" ? 0 : m * k,
            bBatchStride: shared === "b" ? 0 : k * n,
          };
          const a = rand((shared === "a" ? 1 : batch) * m * k, 1 + m);
          const b = rand((shared === "b" ? 1 : batch) * k * n, 2 + n);
          const got = new Float32Array(batch * m * n).fill(Number.NaN);
          nk!.matmul(a, b, got, spec);
          assertBits(got, fmaMatmul(a, b, spec), "out");
          assertGemmNear(got, a, b, spec, "out vs js");
        });
      }
    }
  }
}

test("native matmul: every GEMM micro-kernel this CPU supports gives the same bits", { skip }, () => {
  const spec: MatmulSpec = {
    batch: 2,
    m: 77,
    n: 61,
    k: 300,
    transA: false,
    transB: true,
    aBatchStride: 77 * 300,
    bBatchStride: 61 * 300,
  };
  const a = rand(2 * 77 * 300, 5);
  const b = rand(2 * 61 * 300, 6);
  const want = fmaMatmul(a, b, spec);
  const before = nk!.isa();
  try {
    for (const isa of ["generic", "avx2", "avx512"] as const) {
      if (!nk!.setIsa(isa)) continue;
      const got = new Float32Array(want.length);
      nk!.matmul(a, b, got, spec);
      assertBits(got, want, `out (${isa})`);
    }
  } finally {
    nk!.setIsa(before as "auto");
  }
});

test("native matmul: k = 0 gives zeros, and a too-short operand throws instead of reading out of bounds", {
  skip,
}, () => {
  const out = new Float32Array(6).fill(7);
  nk!.matmul(new Float32Array(0), new Float32Array(0), out, {
    batch: 1,
    m: 2,
    n: 3,
    k: 0,
    transA: false,
    transB: false,
    aBatchStride: 0,
    bBatchStride: 0,
  });
  assertBits(out, new Float32Array(6), "out");
  assert.throws(
    () =>
      nk!.matmul(new Float32Array(5), new Float32Array(6), new Float32Array(4), {
        batch: 1,
        m: 2,
        n: 2,
        k: 3,
        transA: false,
        transB: false,
        aBatchStride: 0,
        bBatchStride: 0,
      }),
    RangeError,
  );
});

// --- element-wise ----------------------------------------------------------------------------

const exactUnary: UnaryOp[] = ["neg", "sqrt", "abs", "relu", "sign", "square", "reciprocal", "rsqrt"];
const libmUnary: UnaryOp[] = ["exp", "log", "gelu", "tanh", "sigmoid"];

for (const op of [...exactUnary, ...libmUnary]) {
  test(`native unary ${op}: ${exactUnary.includes(op) ? "bitwise" : "within 2 ulp of"} js, specials included`, {
    skip,
  }, () => {
    const x = rand(5000, 11, -6, 6);
    x.set([0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-40, -1e-40], 0);
    if (op === "log" || op === "sqrt" || op === "rsqrt")
      for (let i = 7; i < x.length; i++) x[i] = Math.abs(x[i]);
    const want = new Float32Array(x.length);
    const got = new Float32Array(x.length);
    js.unary(op, x, want);
    nk!.unary(op, x, got);
    if (exactUnary.includes(op)) assertBits(got, want, op);
    else assertNear(got, want, ULP2, 1e-30, op);
  });
}

const binaryOps: BinaryOp[] = [
  "add",
  "sub",
  "mul",
  "div",
  "pow",
  "max",
  "min",
  "eq",
  "ne",
  "lt",
  "le",
  "gt",
  "ge",
  "relu_grad",
  "gelu_grad",
  "tanh_grad",
  "sigmoid_grad",
];
const broadcastCases: [number[], number[]][] = [
  [
    [64, 300],
    [64, 300],
  ],
  [[64, 300], [300]],
  [
    [64, 1],
    [64, 300],
  ],
  [
    [4, 1, 50, 1],
    [1, 7, 1, 30],
  ],
  [[200000], [1]],
  [
    [3, 70000],
    [3, 1],
  ],
];

for (const op of binaryOps) {
  test(`native binary ${op}: matches js under broadcasting (${op === "pow" || op === "gelu_grad" ? "2 ulp" : "bitwise"})`, {
    skip,
  }, () => {
    for (const [sa, sb] of broadcastCases) {
      const shape = sa.map((d, i) => Math.max(d, sb[i] ?? 1));
      const out = sb.length < sa.length ? sa : shape;
      const full = out.map((d, i) => Math.max(d, sa[i] ?? 1, sb[i - (out.length - sb.length)] ?? 1));
      const bShape = [...new Array(full.length - sb.length).fill(1), ...sb];
      const a = rand(size(sa), 21, op === "pow" ? 0.1 : -2, 2);
      const b = rand(size(sb), 22, -2, 2);
      if (op !== "pow") {
        a[0] = Number.NaN;
        b[size(sb) - 1] = Number.NaN;
      }
      const aStr = contiguous(sa);
      const bStr = contiguous(bShape);
      const want = new Float32Array(size(full));
      const got = new Float32Array(size(full));
      js.binary(op, a, aStr, b, bStr, want, full);
      nk!.binary(op, a, aStr, b, bStr, got, full);
      if (op === "pow" || op === "gelu_grad") assertNear(got, want, ULP2, 1e-30, `${op} [${sa}]·[${sb}]`);
      else assertBits(got, want, `${op} [${sa}]·[${sb}]`);
    }
  });
}

test("native where: bitwise equal to js with three broadcast operands, NaN conditions select a", {
  skip,
}, () => {
  const shape = [6, 40, 50];
  const c = rand(6 * 50, 31).map((v) => (v > 0 ? 1 : 0));
  c[3] = Number.NaN;
  const a = rand(size(shape), 32);
  const b = rand(40 * 1, 33);
  const cStr = [50, 0, 1];
  const aStr = contiguous(shape);
  const bStr = [0, 1, 0];
  const want = new Float32Array(size(shape));
  const got = new Float32Array(size(shape));
  js.where(c, cStr, a, aStr, b, bStr, want, shape);
  nk!.where(c, cStr, a, aStr, b, bStr, got, shape);
  assertBits(got, want, "where");
});

test("native copy: strided transposes of float32 and int32 data, with offsets, match js", { skip }, () => {
  const shape = [8, 30, 4, 16];
  const n = size(shape);
  const src = rand(n + 5, 41);
  // permute [0, 2, 1, 3]: read with swapped strides
  const sStr = [30 * 4 * 16, 16, 4 * 16, 1];
  const dShape = [8, 4, 30, 16];
  const dStr = [4 * 30 * 16, 30 * 16, 16, 1];
  const want = new Float32Array(n + 3);
  const got = new Float32Array(n + 3);
  js.copy(src, 5, sStr, want, 3, dStr, dShape);
  nk!.copy(src, 5, sStr, got, 3, dStr, dShape);
  assertBits(got, want, "float copy");
  // int32: a 2-D transpose [16, 120] → [120, 16]
  const isrc = randInt(16 * 120, 1000, 42);
  const iwant = new Int32Array(16 * 120);
  const igot = new Int32Array(16 * 120);
  js.copy(isrc, 0, [1, 120], iwant, 0, [16, 1], [120, 16]);
  nk!.copy(isrc, 0, [1, 120], igot, 0, [16, 1], [120, 16]);
  assert.deepEqual(Array.from(igot), Array.from(iwant));
  // both sides ≥ 32 (the tiled path), with partial tiles: [70, 45] → [45, 70], and back into a strided view
  const tsrc = rand(70 * 45, 43);
  const twant = new Float32Array(45 * 70 + 2);
  const tgot = new Float32Array(45 * 70 + 2);
  js.copy(tsrc, 0, [1, 45], twant, 2, [70, 1], [45, 70]);
  nk!.copy(tsrc, 0, [1, 45], tgot, 2, [70, 1], [45, 70]);
  assertBits(tgot, twant, "tiled transpose");
  js.copy(tsrc, 0, [45, 1], twant, 0, [1, 70], [70, 45]);
  nk!.copy(tsrc, 0, [45, 1], tgot, 0, [1, 70], [70, 45]);
  assertBits(tgot, twant, "tiled transpose, strided writes");
});

test("native copy: an access outside the array throws a RangeError", { skip }, () => {
  assert.throws(
    () => nk!.copy(new Float32Array(100), 0, [10, 1], new Float32Array(100), 50, [10, 1], [10, 10]),
    RangeError,
  );
});

// --- reductions ----------------------------------------------------------------------------

const reduceCases: [number, number, number][] = [
  [1, 1, 1],
  [7, 1000, 1],
  [1, 800, 1024],
  [5, 37, 300],
  [3, 0, 4],
];

for (const [outer, len, inner] of reduceCases) {
  test(`native sum and max over [${outer}, ${len}, ${inner}]: bitwise equal to js (first index of ties, NaN wins)`, {
    skip,
  }, () => {
    const x = rand(outer * len * inner, 51 + len).map((v) => Math.round(v * 8) / 8); // many ties
    if (x.length > 10) x[10] = Number.NaN;
    const want = new Float32Array(outer * inner);
    const got = new Float32Array(outer * inner);
    js.sum(x, want, outer, len, inner);
    nk!.sum(x, got, outer, len, inner);
    assertBits(got, want, "sum");
    const wArg = new Int32Array(outer * inner);
    const gArg = new Int32Array(outer * inner);
    js.max(x, want, wArg, outer, len, inner);
    nk!.max(x, got, gArg, outer, len, inner);
    assertBits(got, want, "max");
    assert.deepEqual(Array.from(gArg), Array.from(wArg));
  });
}

// --- softmax, layer norm, cross-entropy ----------------------------------------------------------

for (const log of [false, true]) {
  test(`native ${log ? "log-" : ""}softmax and its backward: within 2 ulp of js; -inf rows stay finite`, {
    skip,
  }, () => {
    const rows = 50;
    const cols = 333;
    const x = rand(rows * cols, 61, -10, 10);
    for (let c = 0; c < cols; c++) x[3 * cols + c] = Number.NEGATIVE_INFINITY; // an all -inf row
    for (let c = 0; c < cols; c += 3) x[5 * cols + c] = -1e30; // masked entries
    const want = new Float32Array(x.length);
    const got = new Float32Array(x.length);
    js.softmax(x, want, rows, cols, log);
    nk!.softmax(x, got, rows, cols, log);
    assertNear(got, want, ULP2, 1e-30, "y");
    const gy = rand(x.length, 62);
    const gWant = new Float32Array(x.length);
    const gGot = new Float32Array(x.length);
    js.softmaxBackward(want, gy, gWant, rows, cols, log);
    nk!.softmaxBackward(want, gy, gGot, rows, cols, log);
    assertNear(gGot, gWant, log ? ULP2 : 0, log ? 1e-6 : 0, "gx");
  });
}

test("native layer norm forward and backward: bitwise equal to js (dgamma/dbeta accumulated onto existing values)", {
  skip,
}, () => {
  for (const [rows, cols] of [
    [3, 5],
    [800, 256],
    [70, 1000],
  ]) {
    const x = rand(rows * cols, 71, -3, 3);
    const gamma = rand(cols, 72, 0.5, 1.5);
    const beta = rand(cols, 73);
    const y = [new Float32Array(x.length), new Float32Array(x.length)];
    const mean = [new Float32Array(rows), new Float32Array(rows)];
    const rstd = [new Float32Array(rows), new Float32Array(rows)];
    js.layerNorm(x, gamma, beta, y[0], mean[0], rstd[0], rows, cols, 1e-6);
    nk!.layerNorm(x, gamma, beta, y[1], mean[1], rstd[1], rows, cols, 1e-6);
    assertBits(y[1], y[0], "y");
    assertBits(mean[1], mean[0], "mean");
    assertBits(rstd[1], rstd[0], "rstd");
    const gy = rand(x.length, 74);
    const dx = [new Float32Array(x.length), new Float32Array(x.length)];
    const dg = [rand(cols, 75), rand(cols, 75)];
    const db = [rand(cols, 76), rand(cols, 76)];
    js.layerNormBackward(x, gamma, mean[0], rstd[0], gy, dx[0], dg[0], db[0], rows, cols);
    nk!.layerNormBackward(x, gamma, mean[0], rstd[0], gy, dx[1], dg[1], db[1], rows, cols);
    assertBits(dx[1], dx[0], "dx");
    assertBits(dg[1], dg[0], "dgamma");
    assertBits(db[1], db[0], "dbeta");
  }
});

test("native cross-entropy with label smoothing: loss within 1e-6 relative, probabilities within 1e-6, backward consistent", {
  skip,
}, () => {
  for (const [rows, classes, ls] of [
    [40, 8000, 0.1],
    [10, 7, 0],
    [5, 1, 0.1],
  ] as const) {
    const logits = rand(rows * classes, 81, -8, 8);
    const labels = randInt(rows, classes, 82);
    const loss = [new Float32Array(rows), new Float32Array(rows)];
    const probs = [new Float32Array(rows * classes), new Float32Array(rows * classes)];
    js.crossEntropy(logits, labels, loss[0], probs[0], rows, classes, ls);
    nk!.crossEntropy(logits, labels, loss[1], probs[1], rows, classes, ls);
    assertNear(loss[1], loss[0], 1e-6, 1e-7, "loss");
    assertNear(probs[1], probs[0], 1e-6, 1e-12, "probs");
    const gloss = rand(rows, 83);
    gloss[0] = 0;
    const d = [new Float32Array(rows * classes), new Float32Array(rows * classes)];
    // Same probabilities in → the backward is pure arithmetic: bitwise.
    js.crossEntropyBackward(probs[1], labels, gloss, d[0], rows, classes, ls);
    nk!.crossEntropyBackward(probs[1], labels, gloss, d[1], rows, classes, ls);
    assertBits(d[1], d[0], "dlogits");
  }
});

test("native cross-entropy: rows summed in interleaved groups give the bits of one row at a time", {
  skip,
}, () => {
  // 11 rows of 3000 classes: tasks of 10 rows (groups of 4, 4, 2) and one of 1.
  const [rows, classes] = [11, 3000];
  const logits = rand(rows * classes, 84, -8, 8);
  const labels = randInt(rows, classes, 85);
  const loss = new Float32Array(rows);
  const probs = new Float32Array(rows * classes);
  nk!.crossEntropy(logits, labels, loss, probs, rows, classes, 0.1);
  for (let r = 0; r < rows; r++) {
    const one = { loss: new Float32Array(1), probs: new Float32Array(classes) };
    const row = logits.subarray(r * classes, (r + 1) * classes);
    nk!.crossEntropy(row, labels.subarray(r, r + 1), one.loss, one.probs, 1, classes, 0.1);
    assertBits(loss.subarray(r, r + 1), one.loss, `loss of row ${r}`);
    assertBits(probs.subarray(r * classes, (r + 1) * classes), one.probs, `probabilities of row ${r}`);
  }
});

test("cross-entropy's argmax is max's (first NaN, else first maximum; ties, signed zeros, −inf rows) on both kernel sets", {
  skip,
}, () => {
  const ninf = Number.NEGATIVE_INFINITY;
  const special = [
    [-0, 0, -1, 0, -0, -2, -0],
    [ninf, ninf, ninf, ninf, ninf, ninf, ninf],
    [1, 9, 3, 9, 9, Number.NaN, 9],
    [2, Number.NaN, 7, Number.NaN, 1, 0, 0],
  ];
  const rows = 40;
  const classes = 7;
  const logits = rand(rows * classes, 86, -2, 2).map((v) => Math.round(v * 4) / 4); // many ties
  special.forEach((r, i) => {
    logits.set(r, i * classes);
  });
  const labels = randInt(rows, classes, 87);
  const want = new Int32Array(rows);
  js.max(logits, new Float32Array(rows), want, rows, classes, 1);
  for (const ks of [js, nk!]) {
    const got = new Int32Array(rows);
    ks.crossEntropy(
      logits,
      labels,
      new Float32Array(rows),
      new Float32Array(rows * classes),
      rows,
      classes,
      0.1,
      got,
    );
    assert.deepEqual(Array.from(got), Array.from(want), ks.name);
  }
});

test("native cross-entropy: a label out of range throws instead of reading out of bounds", { skip }, () => {
  assert.throws(
    () =>
      nk!.crossEntropy(
        new Float32Array(6),
        Int32Array.of(1, 3),
        new Float32Array(2),
        new Float32Array(6),
        2,
        3,
        0,
      ),
    RangeError,
  );
});

// --- gather, scatter-add, adam -------------------------------------------------------------------

test("native gather and scatter-add (repeated indices): bitwise equal to js", { skip }, () => {
  for (const [outer, len, inner, n] of [
    [1, 8000, 256, 800],
    [3, 10, 1, 50],
    [2, 5, 700, 9],
  ]) {
    const x = rand(outer * len * inner, 91);
    const idx = randInt(n, len, 92);
    idx[1] = idx[0];
    const want = new Float32Array(outer * n * inner);
    const got = new Float32Array(outer * n * inner);
    js.gather(x, idx, want, outer, len, inner);
    nk!.gather(x, idx, got, outer, len, inner);
    assertBits(got, want, "gather");
    const gy = rand(outer * n * inner, 93);
    const gxWant = new Float32Array(outer * len * inner);
    const gxGot = new Float32Array(outer * len * inner);
    js.scatterAdd(gy, idx, gxWant, outer, len, inner);
    nk!.scatterAdd(gy, idx, gxGot, outer, len, inner);
    assertBits(gxGot, gxWant, "scatterAdd");
  }
});

test("native adam (with and without weight decay): bitwise equal to js over several steps", { skip }, () => {
  for (const weightDecay of [0, 0.01]) {
    const n = 100003;
    const p = [rand(n, 101), rand(n, 101)];
    const m = [new Float32Array(n), new Float32Array(n)];
    const v = [new Float32Array(n), new Float32Array(n)];
    for (let step = 1; step <= 3; step++) {
      const g = rand(n, 102 + step);
      const o = { lr: 1e-3, beta1: 0.9, beta2: 0.98, epsilon: 1e-9, step, weightDecay };
      js.adam(p[0], g, m[0], v[0], o);
      nk!.adam(p[1], g, m[1], v[1], o);
    }
    assertBits(p[1], p[0], "p");
    assertBits(m[1], m[0], "m");
    assertBits(v[1], v[0], "v");
  }
});

test("native adamMany: the js kernel's bits, tensors larger than one task chunk included", { skip }, () => {
  const sizes = [70001, 3, 131073];
  const make = () => ({
    p: sizes.map((n, i) => rand(n, 201 + i)),
    m: sizes.map((n) => new Float32Array(n)),
    v: sizes.map((n) => new Float32Array(n)),
  });
  const [a, b] = [make(), make()];
  for (let step = 1; step <= 2; step++) {
    const g = sizes.map((n, i) => rand(n, 301 + 10 * step + i));
    const o = { lr: 1e-3, beta1: 0.9, beta2: 0.98, epsilon: 1e-9, step, weightDecay: 0.01 };
    js.adamMany(a.p, g, a.m, a.v, o);
    nk!.adamMany(b.p, g, b.m, b.v, o);
  }
  sizes.forEach((_, i) => {
    assertBits(b.p[i], a.p[i], `p[${i}]`);
    assertBits(b.m[i], a.m[i], `m[${i}]`);
    assertBits(b.v[i], a.v[i], `v[${i}]`);
  });
});

// --- fused attention ---------------------------------------------------------------------------

for (const causal of [false, true]) {
  for (const withDrop of [false, true]) {
    // The native products are float32 FMA chains (the GEMM contract; fused.test.ts checks them bit
    // for bit against the composed ops), the JS ones float64 sums: compared at rtol 1e-5, atol 1e-6.
    test(`native attention (causal=${causal}, dropout=${withDrop}) forward and backward: near js (float32 products)`, {
      skip,
    }, () => {
      const spec: AttentionSpec = {
        n: 6,
        heads: 3,
        tq: 9,
        tk: 9,
        dk: 8,
        dv: 5,
        lengths: Int32Array.of(9, 4, 0),
        rowsPerLength: 2,
        scale: 8 ** -0.5,
        causal,
      };
      const { n, heads: h, tq, tk, dk, dv } = spec;
      const q = rand(n * h * tq * dk, 111);
      const k = rand(n * h * tk * dk, 112);
      const v = rand(n * h * tk * dv, 113);
      const drop = withDrop ? rand(n * h * tq * tk, 114).map((u) => (u > -0.8 ? 1 / 0.9 : 0)) : null;
      const out = [new Float32Array(n * h * tq * dv), new Float32Array(n * h * tq * dv)];
      const probs = [new Float32Array(n * h * tq * tk), new Float32Array(n * h * tq * tk)];
      js.attention(q, k, v, drop, out[0], probs[0], spec);
      nk!.attention(q, k, v, drop, out[1], probs[1], spec);
      assertNear(probs[1], probs[0], 1e-5, 1e-6, "probs");
      assertNear(out[1], out[0], 1e-5, 1e-6, "out");
      const gout = rand(out[0].length, 115);
      const g = [0, 1].map(() => [
        new Float32Array(q.length),
        new Float32Array(k.length),
        new Float32Array(v.length),
      ]);
      js.attentionBackward(q, k, v, drop, probs[0], gout, g[0][0], g[0][1], g[0][2], spec);
      nk!.attentionBackward(q, k, v, drop, probs[0], gout, g[1][0], g[1][1], g[1][2], spec);
      assertNear(g[1][0], g[0][0], 1e-5, 1e-6, "gq");
      assertNear(g[1][1], g[0][1], 1e-5, 1e-6, "gk");
      assertNear(g[1][2], g[0][2], 1e-5, 1e-6, "gv");
    });
  }
}

for (const withDrop of [false, true]) {
  test(`native crossAttention (dropout=${withDrop}) forward and backward: near js (float32 products)`, {
    skip,
  }, () => {
    const spec: CrossAttentionSpec = {
      batch: 3,
      heads: 2,
      tq: 7,
      tk: 9,
      dk: 8,
      dv: 5,
      qLengths: Int32Array.of(7, 3, 1),
      kLengths: Int32Array.of(9, 4, 0),
      factor: 8 ** -0.5,
    };
    const { batch: b, heads: h, tq, tk, dk, dv } = spec;
    const q = rand(b * tq * h * dk, 121);
    const k = rand(b * tk * h * dk, 122);
    const v = rand(b * tk * h * dv, 123);
    const drop = withDrop ? rand(b * tq * h * tk, 124).map((u) => (u > -0.8 ? 1 / 0.9 : 0)) : null;
    const out = [0, 1].map(() => new Float32Array(b * tq * h * dv));
    const probs = [0, 1].map(() => new Float32Array(b * h * tq * tk));
    js.crossAttention(q, k, v, drop, out[0], probs[0], spec);
    nk!.crossAttention(q, k, v, drop, out[1], probs[1], spec);
    assertNear(probs[1], probs[0], 1e-5, 1e-6, "probs");
    assertNear(out[1], out[0], 1e-5, 1e-6, "out");
    const gout = rand(out[0].length, 125);
    const g = [0, 1].map(() => [q, k, v].map((x) => new Float32Array(x.length)));
    js.crossAttentionBackward(q, k, v, drop, probs[0], gout, g[0][0], g[0][1], g[0][2], spec);
    nk!.crossAttentionBackward(q, k, v, drop, probs[0], gout, g[1][0], g[1][1], g[1][2], spec);
    for (const [i, what] of ["gq", "gk", "gv"].entries()) assertNear(g[1][i], g[0][i], 1e-5, 1e-6, what);
  });
}

test("native kernels implement every member of the js kernels", { skip }, () => {
  for (const name of Object.keys(jsKernels)) {
    assert.equal(
      typeof (nk as unknown as Record<string, unknown>)[name],
      typeof (jsKernels as unknown as Record<string, unknown>)[name],
      name,
    );
  }
  assert.equal(nk!.name, "native");
});

// --- random bits ------------------------------------------------------------------------------

test("native philoxWords: the keyed RNG's words bit for bit, at unaligned and > 2^32-block positions", {
  skip,
}, () => {
  for (const [first, count, w2, w3] of [
    [0, 100003, 0, 0],
    [3, 9, 1, 7],
    [2 ** 34 + 1, 20001, 0, 4294967295],
    [2 ** 53 - 20, 10, 2, 0],
  ]) {
    const want = new Uint32Array(count);
    const got = new Uint32Array(count);
    js.philoxWords(0x12345678, 0x9abcdef0, w2, w3, first, want);
    nk!.philoxWords(0x12345678, 0x9abcdef0, w2, w3, first, got);
    assert.deepEqual(got, want, `first ${first}`);
  }
  assert.throws(() => nk!.philoxWords(1, 2, 0, 0, 2 ** 53 - 1, new Uint32Array(100)), RangeError);
});

test("native dropoutMask: the js kernel's multipliers bit for bit (threshold at rate·2^24, unaligned starts)", {
  skip,
}, () => {
  for (const [first, count, rate] of [
    [0, 100003, 0.1],
    [3, 20001, 0.25],
    [2 ** 34 + 1, 9001, 0.5],
    [7, 50000, 1 - 2 ** -24],
  ]) {
    const want = new Float32Array(count);
    const got = new Float32Array(count);
    js.dropoutMask(0x12345678, 0x9abcdef0, 0, 5, first, rate, want);
    nk!.dropoutMask(0x12345678, 0x9abcdef0, 0, 5, first, rate, got);
    assertBits(got, want, `first ${first} rate ${rate}`);
  }
});

test("native matmul: matrix-vector products (gemm_thin.cc) give the same bits under every ISA", {
  skip,
}, () => {
  const before = nk!.isa();
  try {
    for (const [m, n, transA, transB] of [
      [24, 1, false, false],
      [1, 33, true, true],
    ] as const) {
      const k = 70;
      const spec: MatmulSpec = {
        batch: 3,
        m,
        n,
        k,
        transA,
        transB,
        aBatchStride: m * k,
        bBatchStride: k * n,
      };
      const a = rand(3 * m * k, 7);
      const b = rand(3 * k * n, 8);
      const want = fmaMatmul(a, b, spec);
      for (const isa of ["generic", "avx2", "avx512"] as const) {
        if (!nk!.setIsa(isa)) continue;
        const got = new Float32Array(want.length);
        nk!.matmul(a, b, got, spec);
        assertBits(got, want, `out ${m}×${n} (${isa})`);
      }
    }
  } finally {
    nk!.setIsa(before as "auto");
  }
});
