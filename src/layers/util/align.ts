/**
 * Lining up layer outputs by their dim tags (RETURNN semantics): batch goes with
 * batch, time dims by identity (so the encoder's T never meets the decoder's),
 * static dims by size, matched from the right (the feature axis is last).
 */
import { type Data, type Dim, sameDim, staticDim } from "../../network/data.js";
import { broadcastTo, concat, reshape, transpose } from "../../tensor/ops/index.js";
import { Tensor } from "../../tensor/tensor.js";
import { ReproError } from "../../util/errors.js";

/** A tensor with one dim tag per axis (a Data without its metadata). */
export interface Tagged {
  readonly value: Tensor;
  readonly dims: readonly Dim[];
}

export const describeDims = (dims: readonly Dim[]): string => `(${dims.map((d) => d.name).join(", ")})`;

/**
 * For each axis of `dims`, the axis of `base` it matches (each base axis used
 * once), or -1. Static dims are matched right to left, others left to right.
 */
export function matchDims(dims: readonly Dim[], base: readonly Dim[]): number[] {
  const used = new Set<number>();
  const out = new Array<number>(dims.length).fill(-1);
  const take = (i: number, order: number[]) => {
    const j = order.find((k) => !used.has(k) && sameDim(dims[i], base[k]));
    if (j !== undefined) {
      used.add(j);
      out[i] = j;
    }
  };
  const forward = [...base.keys()];
  const backward = [...forward].reverse();
  // Identity first: a dim that is literally in base must claim its own axis.
  dims.forEach((d, i) => {
    const j = base.indexOf(d);
    if (j >= 0 && !used.has(j)) {
      used.add(j);
      out[i] = j;
    }
  });
  for (let i = dims.length - 1; i >= 0; i--) if (out[i] < 0 && dims[i].kind === "static") take(i, backward);
  dims.forEach((d, i) => {
    if (out[i] < 0 && d.kind !== "static") take(i, forward);
  });
  return out;
}

/**
 * Brings several tagged tensors to one set of dims: the dims of the input with
 * the most axes (the first such). Every other input's dims must each match one
 * of those; its tensor is transposed and reshaped (size 1 on missing axes) so
 * that NumPy broadcasting against the result dims is correct. A dims-[] input
 * (a scalar) broadcasts against anything.
 */
export function alignAll(
  inputs: readonly Tagged[],
  where: string,
): { dims: readonly Dim[]; values: Tensor[] } {
  if (inputs.length === 0) throw new Error("internal: alignAll of nothing");
  let base = inputs[0].dims;
  for (const x of inputs) if (x.dims.length > base.length) base = x.dims;
  const values = inputs.map((x) => {
    if (x.dims === base) return x.value;
    const match = matchDims(x.dims, base);
    const missing = match.findIndex((j) => j < 0);
    if (missing >= 0) {
      throw new ReproError(
        `${where}: cannot align ${describeDims(x.dims)} with ${describeDims(base)}: no counterpart for ${x.dims[missing].name}`,
      );
    }
    return broadcastable(x.value, match, base.length);
  });
  return { dims: base, values };
}

/** Puts the axes of `x` at positions `match` of a rank-`rank` result, with size 1 elsewhere. */
function broadcastable(x: Tensor, match: readonly number[], rank: number): Tensor {
  const order = [...match.keys()].sort((a, b) => match[a] - match[b]);
  const moved = order.every((p, i) => p === i) ? x : transpose(x, order);
  const shape = new Array<number>(rank).fill(1);
  match.forEach((j, i) => {
    shape[j] = x.shape[i];
  });
  return shape.length === moved.rank && shape.every((d, i) => d === moved.shape[i])
    ? moved
    : reshape(moved, shape);
}

/**
 * Concatenates dense sources on the feature axis (last). The result keeps the
 * dims of the source with the most axes (the first such) and gets a new static
 * feature dim; every other source's non-feature dims must each match one of
 * those, and it is broadcast over the rest (RETURNN: a loop-invariant
 * `base:x` [B, F] next to per-step data [B, T_dec, F]). One source is returned
 * as is.
 */
export function concatFeatures(inputs: readonly Data[], where: string): Tagged {
  for (const d of inputs) {
    if (d.sparse)
      throw new ReproError(`${where}: cannot concatenate sparse source (${d.describe()}) with others`);
    if (d.featureAxis < 0) throw new ReproError(`${where}: source (${d.describe()}) has no feature axis`);
  }
  if (inputs.length === 1) return inputs[0];
  let first = inputs[0];
  for (const d of inputs) if (d.dims.length > first.dims.length) first = d;
  const outer = first.dims.slice(0, -1);
  const values = inputs.map((d) => {
    const o = d.dims.slice(0, -1);
    if (o.length === outer.length && o.every((dim, i) => sameDim(dim, outer[i]))) return d.value;
    const match = o.length < outer.length ? matchDims(o, outer) : [-1];
    if (match.some((j) => j < 0)) {
      throw new ReproError(
        `${where}: cannot concatenate sources ${describeDims(first.dims)} and ${describeDims(d.dims)} on the feature axis`,
      );
    }
    const features = d.value.shape[d.value.rank - 1];
    const shaped = broadcastable(d.value, [...match, outer.length], outer.length + 1);
    return broadcastTo(shaped, [...outer.map((dim) => dim.size), features]);
  });
  const value = concat(values, -1);
  return { value, dims: [...outer, staticDim(value.shape[value.rank - 1])] };
}

/**
 * A float 0/1 mask, 1 where every time dim at `timeAxes` is within its
 * sequence's length. Its shape broadcasts against `dims`: full size on the
 * batch axis and on `timeAxes`, 1 elsewhere. Null when no axis has lengths.
 */
export function frameMask(dims: readonly Dim[], timeAxes: readonly number[], where: string): Tensor | null {
  const axes = timeAxes.filter((a) => dims[a].lengths !== undefined);
  if (axes.length === 0) return null;
  const b = dims.findIndex((d) => d.kind === "batch");
  const shape = dims.map((d, i) => (i === b || axes.includes(i) ? d.size : 1));
  const n = shape.reduce((p, q) => p * q, 1);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, q) => p * q, 1));
  const data = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const batch = b >= 0 ? Math.floor(k / strides[b]) % shape[b] : 0;
    let ok = 1;
    for (const a of axes) {
      const lengths = dims[a].lengths!;
      if (b < 0 && lengths.length !== 1) {
        throw new ReproError(
          `${where}: time dim ${dims[a].name} has per-sequence lengths but there is no batch axis`,
        );
      }
      if (Math.floor(k / strides[a]) % shape[a] >= lengths[batch]) ok = 0;
    }
    data[k] = ok;
  }
  return new Tensor(shape, data);
}

/** Axes of `dims` that carry sequence lengths (time dims, rec loop dims included). */
export const lengthAxes = (dims: readonly Dim[]): number[] =>
  dims.flatMap((d, i) => (d.lengths !== undefined ? [i] : []));
