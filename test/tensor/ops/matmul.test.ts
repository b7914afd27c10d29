/**
 * matmul: all four transpose combinations, unbatched, batched on both sides,
 * batched × shared rank-2 matrix (either side), rank-4 batches.
 *
 * Forward values are compared bit for bit with the active kernels' contract:
 * on the JS kernels a float64 reference that sums each dot product over k in
 * ascending order and rounds once (float32 × float32 products are exact in
 * float64); on the native kernels one float32 FMA chain over k ascending
 * (native/src/gemm.h, emulated exactly by test/helpers/fma.ts). Gradients are
 * compared with float64 references at GRAD (|Δ| ≤ 1e-6 + 1e-5·|ref|) and by
 * finite differences (gradCheck's stated default tolerance).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { kernels } from "../../../src/kernels/active.js";
import { matmul } from "../../../src/tensor/ops/index.js";
import { tensor, tidy } from "../../../src/tensor/tensor.js";
import { fmaf } from "../../helpers/fma.js";
import { gradCheck, randTensor } from "../../helpers/gradcheck.js";
import {
  assertBitwiseEqual,
  assertClose,
  assertShape,
  size,
  type Tol,
  weightedGrads,
  weights,
} from "./support.js";

const GRAD: Tol = { atol: 1e-6, rtol: 1e-5 };
const [M, K, N] = [3, 4, 5];

interface Ref {
  shape: number[];
  value: Float32Array;
  ga: Float64Array;
  gb: Float64Array;
}

/** Native GEMMs accumulate in float32 with FMA; the JS kernels in float64. */
const fmaKernels = (): boolean => kernels().name === "native";

/**
 * op(a)·op(b) with each dot product summed over k ascending (in float64, or
 * as a float32 FMA chain for the native kernels), and the gradients of Σ out·w; a shared (rank-2) operand accumulates over the batch.
 */
function refMatmul(
  a: Float32Array,
  aBatch: number[],
  b: Float32Array,
  bBatch: number[],
  transA: boolean,
  transB: boolean,
  w: Float64Array,
): Ref {
  const batchShape = aBatch.length > 0 ? aBatch : bBatch;
  const batch = size(batchShape);
  const aAt = (t: number, i: number, p: number): number =>
    (aBatch.length > 0 ? t * M * K : 0) + (transA ? p * M + i : i * K + p);
  const bAt = (t: number, p: number, j: number): number =>
    (bBatch.length > 0 ? t * K * N : 0) + (transB ? j * K + p : p * N + j);
  const value = new Float32Array(batch * M * N);
  const ga = new Float64Array(a.length);
  const gb = new Float64Array(b.length);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        const o = (t * M + i) * N + j;
        const fma = fmaKernels();
        let s = 0;
        for (let p = 0; p < K; p++) {
          s = fma ? fmaf(a[aAt(t, i, p)], b[bAt(t, p, j)], s) : s + a[aAt(t, i, p)] * b[bAt(t, p, j)];
          ga[aAt(t, i, p)] += w[o] * b[bAt(t, p, j)];
          gb[bAt(t, p, j)] += w[o] * a[aAt(t, i, p)];
        }
        value[o] = s;
      }
    }
  }
  return { shape: [...batchShape, M, N], value, ga, gb };
}

const batchConfigs: [number[], number[]][] = [
  [[], []],
  [[2], [2]],
  [[2], []],
  [[], [2]],
  [
    [2, 2],
    [2, 2],
  ],
  [[2, 2], []],
];

for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    for (const [aBatch, bBatch] of batchConfigs) {
      const aShape = [...aBatch, ...(transA ? [K, M] : [M, K])];
      const bShape = [...bBatch, ...(transB ? [N, K] : [K, N])];
      const flags = `transA=${transA} transB=${transB}`;
      test(`matmul: [${aShape}] · [${bShape}] (${flags}): values bitwise, gradients match float64`, () => {
        const a = randTensor(aShape, 1 + aShape.length);
        const b = randTensor(bShape, 11 + bShape.length);
        const ref = refMatmul(
          a.f32,
          aBatch,
          b.f32,
          bBatch,
          transA,
          transB,
          weights(size(aBatch.length ? aBatch : bBatch) * M * N),
        );
        tidy(() => {
          const y = matmul(a, b, { transA, transB });
          assertShape(y, ref.shape);
          assertBitwiseEqual(y.f32, ref.value, "matmul");
        });
        const r = weightedGrads(() => matmul(a, b, { transA, transB }), [a, b], weights(ref.value.length));
        assert.deepEqual(r.gradShapes, [aShape, bShape]);
        assertClose(r.grads[0]!, ref.ga, GRAD, "da");
        assertClose(r.grads[1]!, ref.gb, GRAD, "db");
      });

      test(`matmul: [${aShape}] · [${bShape}] (${flags}): gradient passes the finite-difference check`, () => {
        gradCheck(
          (x, y) => matmul(x, y, { transA, transB }),
          [randTensor(aShape, 21), randTensor(bShape, 22)],
        );
      });
    }
  }
}

test("matmul: a long inner dimension is one float64 sum per element (js) or one float32 FMA chain (native)", () => {
  // 1 + 63 terms of 2^-24: a float32 accumulator stays at 1 (each step is a tie, rounded to
  // even); float64 keeps every term.
  const k = 64;
  tidy(() => {
    const a = tensor(new Array<number>(k).fill(1), [1, k]);
    const b = tensor([1, ...new Array<number>(k - 1).fill(2 ** -24)], [k, 1]);
    const y = matmul(a, b).item();
    assert.equal(y, fmaKernels() ? 1 : Math.fround(1 + (k - 1) * 2 ** -24));
  });
});

test("matmul: inner dimensions that differ throw", () => {
  tidy(() => {
    assert.throws(() => matmul(randTensor([2, 3], 1), randTensor([4, 5], 2)), /inner dims differ/);
    assert.throws(
      () => matmul(randTensor([2, 3], 1), randTensor([2, 5], 2), { transB: true }),
      /inner dims differ/,
    );
  });
});

test("matmul: batch dimensions that differ throw", () => {
  tidy(() => {
    assert.throws(() => matmul(randTensor([2, 3, 4], 1), randTensor([3, 4, 5], 2)), /batch dims/);
    assert.throws(() => matmul(randTensor([2, 2, 3, 4], 1), randTensor([4, 4, 5], 2)), /batch dims/);
  });
});

test("matmul: a rank-1 operand throws", () => {
  tidy(() => {
    assert.throws(() => matmul(randTensor([4], 1), randTensor([4, 5], 2)), /rank ≥ 2/);
  });
});
