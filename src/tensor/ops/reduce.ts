/**
 * Reductions over axes. Multi-axis sums run one axis at a time, in ascending
 * axis order; a multi-axis max reduces the merged axes at once (tie rule).
 */
import { kernels } from "../../kernels/active.js";
import { record, stopGradient } from "../tape.js";
import { empty, type Shape, type Tensor, zeroed } from "../tensor.js";
import { add, equal, exp, log, mul, sub, where } from "./elementwise.js";
import { axisIndex, broadcastTo, reshape, transpose } from "./shape.js";

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/** [outer, len, inner] view of x around `axis`. */
function around(shape: Shape, axis: number): [number, number, number] {
  return [prod(shape.slice(0, axis)), shape[axis], prod(shape.slice(axis + 1))];
}

const keptShape = (shape: Shape, axis: number): number[] => shape.map((d, i) => (i === axis ? 1 : d));

function sumAxis(x: Tensor, axis: number): Tensor {
  const out = empty(keptShape(x.shape, axis));
  kernels().sum(x.f32, out.f32, ...around(x.shape, axis));
  return record(out, [x], (g) => [broadcastTo(g, x.shape)]);
}

function maxAxis(x: Tensor, axis: number): Tensor {
  const [outer, len, inner] = around(x.shape, axis);
  const out = empty(keptShape(x.shape, axis));
  const arg = new Int32Array(outer * inner);
  kernels().max(x.f32, out.f32, arg, outer, len, inner);
  return record(out, [x], (g) => {
    // The gradient goes to the first maximal element only (a fixed tie rule).
    const gx = zeroed(x.shape);
    const gd = g.f32;
    const gxd = gx.f32;
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) gxd[(o * len + arg[o * inner + i]) * inner + i] = gd[o * inner + i];
    return [gx];
  });
}

/** Resolves `axes` (undefined = all) to sorted, unique, non-negative indices. */
function resolveAxes(x: Tensor, axes?: number | readonly number[]): number[] {
  const list = axes === undefined ? [...x.shape.keys()] : typeof axes === "number" ? [axes] : [...axes];
  return [...new Set(list.map((a) => axisIndex(a, x.rank)))].sort((a, b) => a - b);
}

function reduceWith(
  f: (x: Tensor, axis: number) => Tensor,
  x: Tensor,
  axes: number | readonly number[] | undefined,
  keepDims: boolean,
): Tensor {
  const list = resolveAxes(x, axes);
  let cur = x;
  for (const a of list) cur = f(cur, a);
  if (keepDims) return cur;
  const shape = x.shape.filter((_, i) => !list.includes(i));
  return reshape(cur, shape);
}

export const sum = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor =>
  reduceWith(sumAxis, x, axes, keepDims);

export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const count = resolveAxes(x, axes).reduce((n, a) => n * x.shape[a], 1);
  return mul(sum(x, axes, keepDims), 1 / count);
}

export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const list = resolveAxes(x, axes);
  if (list.length <= 1) return reduceWith(maxAxis, x, list, keepDims);
  // Several axes are merged into one (moved last, then flattened), so that on a
  // tie the gradient goes to the first maximal element in row-major order;
  // reducing axis by axis would pick by the last axis first.
  const kept = [...x.shape.keys()].filter((i) => !list.includes(i));
  const perm = [...kept, ...list];
  const moved = perm.every((p, i) => p === i) ? x : transpose(x, perm);
  const merged = reshape(moved, [...kept.map((i) => x.shape[i]), prod(list.map((i) => x.shape[i]))]);
  const out = maxAxis(merged, kept.length);
  return reshape(
    out,
    keepDims ? x.shape.map((d, i) => (list.includes(i) ? 1 : d)) : kept.map((i) => x.shape[i]),
  );
}

/** log Σ exp(x), stabilised by the (gradient-free) maximum. */
export function logSumExp(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const m0 = stopGradient(max(x, axes, true));
  const m = where(equal(m0, Number.NEGATIVE_INFINITY), 0, m0);
  const s = log(sum(exp(sub(x, m)), axes, true));
  const out = add(s, m);
  if (keepDims) return out;
  const list = resolveAxes(x, axes);
  return reshape(
    out,
    x.shape.filter((_, i) => !list.includes(i)),
  );
}
