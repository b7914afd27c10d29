/** Shape ops: views and strided copies, each with its gradient. */
import { kernels } from "../../kernels/active.js";
import { contiguousStrides } from "../../kernels/js/strided.js";
import { record } from "../tape.js";
import { empty, type Shape, sizeOf, Tensor, zeroed } from "../tensor.js";
import { broadcastShapes, broadcastStrides, reshapeRaw, unbroadcast } from "./broadcast.js";

/** Normalises a possibly negative axis against a rank. */
export function axisIndex(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank)
    throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Reshape (one dim may be -1); shares the buffer. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const resolved = shape.map((d) => (d === -1 ? x.size / known : d));
  if (!resolved.every((d) => Number.isInteger(d) && d >= 0) || sizeOf(resolved) !== x.size) {
    throw new Error(`cannot reshape [${x.shape}] to [${shape}]`);
  }
  const out = new Tensor(resolved, x.data);
  return record(out, [x], (g) => [reshapeRaw(g, x.shape)]);
}

function permuteRaw(x: Tensor, perm: readonly number[]): Tensor {
  const shape = perm.map((p) => x.shape[p]);
  const src = contiguousStrides(x.shape);
  const out = x.dtype === "int32" ? empty(shape, "int32") : empty(shape);
  kernels().copy(
    x.data,
    0,
    perm.map((p) => src[p]),
    out.data,
    0,
    contiguousStrides(shape),
    shape,
  );
  return out;
}

/** Reorders axes: output axis i is input axis perm[i]. Default: reverse the last two axes. */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ?? [...x.shape.keys()].map((i) => (i < x.rank - 2 || x.rank < 2 ? i : 2 * x.rank - 3 - i));
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new Error(`invalid permutation [${p}] for rank ${x.rank}`);
  }
  const inverse = new Array<number>(p.length);
  p.forEach((v, i) => {
    inverse[v] = i;
  });
  return record(permuteRaw(x, p), [x], (g) => [permuteRaw(g, inverse)]);
}
export const permute = transpose;

/** Copies the block of `src` at `begin` (size = dst's shape) into `dst`, or the reverse when `into` is true. */
function copyBlock(src: Tensor, dst: Tensor, begin: readonly number[], into: boolean): void {
  const big = into ? dst : src;
  const small = into ? src : dst;
  const bigStrides = contiguousStrides(big.shape);
  const offset = begin.reduce((acc, b, i) => acc + b * bigStrides[i], 0);
  const smallStrides = contiguousStrides(small.shape);
  if (into) kernels().copy(src.data, 0, smallStrides, dst.data, offset, bigStrides, small.shape);
  else kernels().copy(src.data, offset, bigStrides, dst.data, 0, smallStrides, small.shape);
}

/** x[begin : begin+size] per axis; size -1 means "to the end". */
export function slice(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
  const b = x.shape.map((_, i) => begin[i] ?? 0);
  const s = x.shape.map((d, i) => (size[i] === undefined || size[i] === -1 ? d - b[i] : size[i]));
  s.forEach((d, i) => {
    if (b[i] < 0 || d < 0 || b[i] + d > x.shape[i])
      throw new Error(`slice [${b}]+[${s}] out of bounds for [${x.shape}]`);
  });
  const out = x.dtype === "int32" ? empty(s, "int32") : empty(s);
  copyBlock(x, out, b, false);
  return record(out, [x], (g) => {
    const gx = zeroed(x.shape);
    copyBlock(g, gx, b, true);
    return [gx];
  });
}

export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error("concat of no tensors");
  const a = axisIndex(axis, xs[0].rank);
  const shape = [...xs[0].shape];
  shape[a] = xs.reduce((acc, t) => {
    if (t.rank !== shape.length || t.shape.some((d, i) => i !== a && d !== shape[i])) {
      throw new Error(`concat: shapes [${xs[0].shape}] and [${t.shape}] differ outside axis ${axis}`);
    }
    return acc + t.shape[a];
  }, 0);
  const out = xs[0].dtype === "int32" ? empty(shape, "int32") : empty(shape);
  const offsets: number[] = [];
  let off = 0;
  for (const t of xs) {
    offsets.push(off);
    const begin = shape.map((_, i) => (i === a ? off : 0));
    copyBlock(t, out, begin, true);
    off += t.shape[a];
  }
  return record(out, xs, (g, needs) =>
    xs.map((t, k) => {
      if (!needs[k]) return null;
      const gx = empty(t.shape);
      copyBlock(
        g,
        gx,
        shape.map((_, i) => (i === a ? offsets[k] : 0)),
        false,
      );
      return gx;
    }),
  );
}

/** Splits along `axis` into pieces of the given sizes (or `n` equal pieces). */
export function split(x: Tensor, sizesOrCount: number | readonly number[], axis: number): Tensor[] {
  const a = axisIndex(axis, x.rank);
  const sizes =
    typeof sizesOrCount === "number"
      ? new Array<number>(sizesOrCount).fill(x.shape[a] / sizesOrCount)
      : sizesOrCount;
  if (sizes.some((s) => !Number.isInteger(s)) || sizes.reduce((p, q) => p + q, 0) !== x.shape[a]) {
    throw new Error(`split: sizes [${sizes}] do not add up to ${x.shape[a]}`);
  }
  let off = 0;
  return sizes.map((s) => {
    const piece = slice(
      x,
      x.shape.map((_, i) => (i === a ? off : 0)),
      x.shape.map((d, i) => (i === a ? s : d)),
    );
    off += s;
    return piece;
  });
}

/** Pads with `value`; paddings[i] = [before, after] for axis i. */
export function pad(x: Tensor, paddings: readonly (readonly [number, number])[], value = 0): Tensor {
  const p = x.shape.map((_, i) => paddings[i] ?? [0, 0]);
  const shape = x.shape.map((d, i) => d + p[i][0] + p[i][1]);
  const out = empty(shape);
  out.f32.fill(value);
  const begin = p.map((q) => q[0]);
  copyBlock(x, out, begin, true);
  return record(out, [x], (g) => {
    const gx = empty(x.shape);
    copyBlock(g, gx, begin, false);
    return [gx];
  });
}

/** Broadcasts to `shape` (NumPy rules), materialised. */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  const target = broadcastShapes(x.shape, shape);
  if (target.length !== shape.length || target.some((d, i) => d !== shape[i])) {
    throw new Error(`cannot broadcast [${x.shape}] to [${shape}]`);
  }
  const out = empty(shape);
  kernels().copy(x.data, 0, broadcastStrides(x.shape, shape), out.data, 0, contiguousStrides(shape), shape);
  return record(out, [x], (g) => [unbroadcast(g, x.shape)]);
}
export const expand = broadcastTo;

/** Inserts a size-1 axis. */
export function expandDims(x: Tensor, axis: number): Tensor {
  const a = axis < 0 ? axis + x.rank + 1 : axis;
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Removes size-1 axes (all, or the given ones). */
export function squeeze(x: Tensor, axes?: readonly number[]): Tensor {
  const drop = new Set(
    (axes ?? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => axisIndex(a, x.rank)),
  );
  return reshape(
    x,
    x.shape.filter((_, i) => !drop.has(i)),
  );
}
