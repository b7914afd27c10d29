/**
 * Shared helpers for the op tests: tolerance assertions, float64 reference
 * evaluation under NumPy broadcasting and reductions, and a gradient runner
 * that copies results out of the tidy scope.
 */
import assert from "node:assert/strict";
import { mul, sum } from "../../../src/tensor/ops/index.js";
import { valueAndGrads } from "../../../src/tensor/tape.js";
import { type Tensor, tensor, tidy } from "../../../src/tensor/tensor.js";

/** |actual − expected| ≤ atol + rtol·|expected|, elementwise; equal infinities and NaN match. */
export interface Tol {
  atol: number;
  rtol: number;
}

/** Float32 storage of a float64 result: one rounding, so ~6e-8 relative; 1e-6 leaves room for libm. */
export const F32: Tol = { atol: 1e-7, rtol: 1e-6 };

export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tol,
  what = "value",
): void {
  assert.equal(
    actual.length,
    expected.length,
    `${what}: ${actual.length} elements, expected ${expected.length}`,
  );
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
    assert.ok(Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e), `${what}[${i}]: got ${a}, expected ${e}`);
  }
}

/** Bit-for-bit equality of two float32 arrays (NaN payloads and signed zeros included). */
export function assertBitwiseEqual(actual: Float32Array, expected: Float32Array, what = "value"): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    assert.equal(a[i], e[i], `${what}[${i}]: bits of ${actual[i]} differ from ${expected[i]}`);
  }
}

export function assertShape(t: Tensor, shape: readonly number[], what = "shape"): void {
  assert.deepEqual([...t.shape], [...shape], what);
}

export const allFinite = (xs: ArrayLike<number>): boolean => Array.from(xs).every(Number.isFinite);

export interface Evaluated {
  value: Float32Array;
  shape: number[];
  /** Copies of the gradients, null where the objective does not depend on a parameter. */
  grads: (Float32Array | null)[];
  gradShapes: (number[] | null)[];
}

/** Runs `valueAndGrads(f, params)` in its own tidy scope and copies everything out. */
export function evaluate(f: () => Tensor, params: readonly Tensor[]): Evaluated {
  return tidy(() => {
    const { value, grads } = valueAndGrads(f, params);
    return {
      value: Float32Array.from(value.f32),
      shape: [...value.shape],
      grads: grads.map((g) => (g ? Float32Array.from(g.f32) : null)),
      gradShapes: grads.map((g) => (g ? [...g.shape] : null)),
    };
  });
}

/**
 * Gradients of Σ y·w for y = f(), with w the given fixed weights (so every
 * output element carries a distinct gradient).
 */
export function weightedGrads(f: () => Tensor, params: readonly Tensor[], w: Float64Array): Evaluated {
  return evaluate(() => {
    const y = f();
    return sum(mul(y, tensor(Float32Array.from(w), y.shape)));
  }, params);
}

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Deterministic weights in [-1, 1) that are exactly representable in float32. */
export function weights(n: number, seed = 7): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround((s / 2 ** 32) * 2 - 1);
  });
}

// --- float64 references ------------------------------------------------------

/** NumPy broadcast of two shapes, computed independently of the engine. */
export function refBroadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** For each flat output index, the flat index of the broadcast input element it reads. */
export function sourceIndex(inShape: readonly number[], outShape: readonly number[]): number[] {
  const n = size(outShape);
  const lead = outShape.length - inShape.length;
  const result: number[] = [];
  for (let flat = 0; flat < n; flat++) {
    let rem = flat;
    const coord = new Array<number>(outShape.length);
    for (let d = outShape.length - 1; d >= 0; d--) {
      coord[d] = rem % outShape[d];
      rem = Math.floor(rem / outShape[d]);
    }
    let src = 0;
    for (let d = 0; d < inShape.length; d++) {
      const c = inShape[d] === 1 ? 0 : coord[d + lead];
      src = src * inShape[d] + c;
    }
    result.push(src);
  }
  return result;
}

/**
 * A broadcasting n-ary function in float64: value, and the gradient of Σ out·w
 * with respect to each input, reduced back to the input's shape.
 */
export function refBroadcast(
  inputs: readonly { data: ArrayLike<number>; shape: readonly number[] }[],
  f: (...xs: number[]) => number,
  partials: readonly ((...xs: number[]) => number)[],
  w?: Float64Array,
): { shape: number[]; value: Float64Array; grads: Float64Array[] } {
  const shape = inputs.reduce<number[]>((s, t) => refBroadcastShape(s, t.shape), []);
  const src = inputs.map((t) => sourceIndex(t.shape, shape));
  const n = size(shape);
  const value = new Float64Array(n);
  const grads = inputs.map((t) => new Float64Array(size(t.shape)));
  for (let o = 0; o < n; o++) {
    const xs = inputs.map((t, k) => t.data[src[k][o]]);
    value[o] = f(...xs);
    if (!w) continue;
    partials.forEach((p, k) => {
      grads[k][src[k][o]] += w[o] * p(...xs);
    });
  }
  return { shape, value, grads };
}

/**
 * The groups of flat input indices a reduction over `axes` combines, one group
 * per output element in row-major order; each group lists its elements in
 * row-major order.
 */
export function reduceGroups(shape: readonly number[], axes: readonly number[]): number[][] {
  const ax = axes.map((a) => (a < 0 ? a + shape.length : a));
  const keptShape = shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const groups: number[][] = Array.from({ length: size(keptShape) }, () => []);
  const n = size(shape);
  for (let flat = 0; flat < n; flat++) {
    let rem = flat;
    let g = 0;
    let stride = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const c = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
      if (!ax.includes(d)) {
        g += c * stride;
        stride *= shape[d];
      }
    }
    groups[g].push(flat);
  }
  return groups;
}

/** Float64 log Σ exp over a list (max-shifted). */
export function refLogSumExp(xs: readonly number[]): number {
  const m = Math.max(...xs);
  if (m === Number.NEGATIVE_INFINITY) return m;
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
}
