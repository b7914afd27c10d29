/**
 * Sliding windows along one axis, as TensorFlow's conv/pool padding defines
 * them — the shared core of `conv`, `pool` and `window`. A window view is a
 * pad followed by a gather with a fixed index table, so it runs on the
 * existing (native or JS) gather/scatter-add kernels and its gradient is the
 * gather's deterministic scatter-add.
 */
import { gather, pad } from "../../tensor/ops/index.js";
import { Tensor } from "../../tensor/tensor.js";

/** RETURNN/TF padding: "same", "valid", or an explicit number of frames on both sides. */
export type Padding = "same" | "valid" | number;

export interface WindowSpec {
  readonly size: number;
  readonly stride: number;
  readonly dilation: number;
  readonly padLeft: number;
  readonly padRight: number;
}

/** Extent of one window: (size − 1)·dilation + 1. */
const extent = (size: number, dilation: number): number => (size - 1) * dilation + 1;

/**
 * The window spec TF uses for an axis of (padded batch) length `len`. "same":
 * ⌈len/s⌉ outputs, pad_total = max((⌈len/s⌉−1)·s + extent − len, 0), left =
 * ⌊pad_total/2⌋ — from the batch's longest length, not per sequence.
 */
export function tfWindowSpec(
  len: number,
  size: number,
  padding: Padding,
  stride: number,
  dilation: number,
): WindowSpec {
  if (padding === "valid") return { size, stride, dilation, padLeft: 0, padRight: 0 };
  if (typeof padding === "number") return { size, stride, dilation, padLeft: padding, padRight: padding };
  const out = Math.ceil(len / stride);
  const total = Math.max((out - 1) * stride + extent(size, dilation) - len, 0);
  const left = Math.floor(total / 2);
  return { size, stride, dilation, padLeft: left, padRight: total - left };
}

/**
 * A sequence's output length as RETURNN's ConvLayer.calc_out_dim computes it:
 * "same" ⌈L/s⌉, "valid" ⌈max(0, L − (k−1)·d)/s⌉, int p as "valid" on L + 2p.
 */
export function outLength(
  len: number,
  size: number,
  padding: Padding,
  stride: number,
  dilation: number,
): number {
  if (padding === "same") return Math.ceil(len / stride);
  const padded = typeof padding === "number" ? len + 2 * padding : len;
  return Math.ceil(Math.max(0, padded - (size - 1) * dilation) / stride);
}

/** Number of windows `spec` yields on an axis of length `len` (may be ≤ 0 when the axis is too short). */
export const windowCount = (len: number, spec: WindowSpec): number =>
  Math.floor((len + spec.padLeft + spec.padRight - extent(spec.size, spec.dilation)) / spec.stride) + 1;

/**
 * x with `axis` (length L) replaced by two axes [windows, spec.size]: element
 * (o, j) is x at o·stride + j·dilation − padLeft, or `padValue` outside [0, L).
 */
export function slidingWindows(x: Tensor, axis: number, spec: WindowSpec, padValue = 0): Tensor {
  const count = windowCount(x.shape[axis], spec);
  if (count <= 0) throw new Error(`slidingWindows: axis of length ${x.shape[axis]} yields no window`);
  const padded =
    spec.padLeft === 0 && spec.padRight === 0
      ? x
      : pad(
          x,
          x.shape.map((_, i) => (i === axis ? [spec.padLeft, spec.padRight] : [0, 0])),
          padValue,
        );
  const idx = new Int32Array(count * spec.size);
  for (let o = 0; o < count; o++) {
    for (let j = 0; j < spec.size; j++) idx[o * spec.size + j] = o * spec.stride + j * spec.dilation;
  }
  return gather(padded, new Tensor([count, spec.size], idx), axis);
}
