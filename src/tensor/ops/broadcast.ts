/** NumPy broadcasting: shapes align at the right; a 1 stretches to the other size. */
import { kernels } from "../../kernels/active.js";
import { empty, type Shape, Tensor } from "../tensor.js";

export function broadcastShapes(a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`shapes [${a}] and [${b}] cannot be broadcast`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of a contiguous tensor of `shape` read as `outShape` (0 on broadcast dims). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const o = rank - shape.length + i;
    strides[o] = shape[i] === 1 && outShape[o] !== 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

export const sameShape = (a: Shape, b: Shape): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Sums a gradient of the broadcast shape back down to `shape` (the backward of
 * broadcasting). Dims are reduced one at a time, left to right: a fixed order.
 */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  let cur = g;
  const lead = g.shape.length - shape.length;
  let curShape = [...g.shape];
  for (let d = 0; d < g.shape.length; d++) {
    const target = d < lead ? 1 : shape[d - lead];
    if (curShape[d] === target) continue;
    const outer = curShape.slice(0, d).reduce((x, y) => x * y, 1);
    const inner = curShape.slice(d + 1).reduce((x, y) => x * y, 1);
    const next = empty([...curShape.slice(0, d), 1, ...curShape.slice(d + 1)]);
    kernels().sum(cur.f32, next.f32, outer, curShape[d], inner);
    if (cur !== g) cur.dispose();
    cur = next;
    curShape = [...next.shape];
  }
  const result = reshapeRaw(cur, shape);
  if (cur !== g && cur !== result) cur.dispose(); // the view keeps the buffer alive
  return result;
}

/** A view with a new shape over the same buffer, without recording a gradient. */
export function reshapeRaw(x: Tensor, shape: Shape): Tensor {
  return sameShape(x.shape, shape) ? x : new Tensor(shape, x.data);
}
