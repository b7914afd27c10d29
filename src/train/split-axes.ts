/**
 * Pretrain `copy_param_mode: "subset"`: the old values of a parameter whose
 * shape grew (or shrank) go into the new one part by part, as RETURNN does
 * (returnn/tf/util/basic.py `transform_param_axes_split_info_to_new_shape`
 * and `copy_with_new_split_axes`, called from LayerBase
 * `set_param_values_by_dict`). A split lists, per axis, the sizes of the
 * blocks that axis is made of (an LSTM's 4 gate blocks, the heads of a QKV
 * matrix): block i of the old value goes to the front of block i of the new
 * one; the rest keeps the new (initial) value.
 */
import type { AxesSplit } from "../layers/layer.js";
import { ReproError } from "../util/errors.js";

/**
 * RETURNN's guess of the old blocks: the new split mapped onto `oldShape`
 * (a one-block axis maps its size; an axis of equal blocks divides evenly).
 */
export function splitForShape(split: AxesSplit, oldShape: readonly number[], where: string): number[][] {
  if (split.length !== oldShape.length)
    throw new ReproError(`${where}: split info has ${split.length} axes, the old value ${oldShape.length}`);
  const dimDiff = new Map<number, number>(); // new block size -> old block size
  split.forEach((parts, i) => {
    if (parts.length === 1) dimDiff.set(parts[0], oldShape[i]);
    else if (new Set(parts).size === 1 && oldShape[i] % parts.length === 0)
      dimDiff.set(parts[0], oldShape[i] / parts.length);
  });
  return split.map((parts, i) => {
    const total = oldShape[i];
    if (parts.length === 1) return [total];
    const out = parts.map((d) => dimDiff.get(d) ?? null);
    if (out.some((d) => d === null)) {
      // More than one unknown block: assume the next one kept its size (RETURNN's heuristic).
      while (out.filter((d) => d === null).length > 1) {
        const j = out.indexOf(null);
        const assigned = out.reduce<number>((a, d) => a + (d ?? 0), 0);
        out[j] = Math.min(parts[j], total - assigned);
      }
      const j = out.indexOf(null);
      out[j] = total - out.reduce<number>((a, d) => a + (d ?? 0), 0);
    } else if (out.reduce<number>((a, d) => a + (d as number), 0) !== total) {
      out[0] = total - out.slice(1).reduce<number>((a, d) => a + (d as number), 0); // assume the first is wrong
    }
    const blocks = out as number[];
    if (blocks.some((d) => d < 0))
      throw new ReproError(`${where}: cannot map blocks [${parts}] onto the old size ${total}`);
    return blocks;
  });
}

/** Writes each old block's leading part into the same block of `newValues` (row-major arrays). */
export function copyWithNewSplitAxes(
  oldSplit: AxesSplit,
  newSplit: AxesSplit,
  oldValues: Float32Array,
  newValues: Float32Array,
): void {
  const rank = oldSplit.length;
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const oldShape = oldSplit.map(sum);
  const newShape = newSplit.map(sum);
  const strides = (shape: number[]) => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const [oldStrides, newStrides] = [strides(oldShape), strides(newShape)];
  const offsets = (parts: readonly number[]) => parts.map((_, i) => sum(parts.slice(0, i)));
  const [oldOffsets, newOffsets] = [oldSplit.map(offsets), newSplit.map(offsets)];
  // Every combination of block indices, then every element of the common part of that block.
  const blockIdx = new Array<number>(rank).fill(0);
  for (;;) {
    const dims = blockIdx.map((b, a) => Math.min(oldSplit[a][b], newSplit[a][b]));
    if (dims.every((d) => d > 0)) {
      const at = new Array<number>(rank).fill(0);
      for (;;) {
        let o = 0;
        let n = 0;
        for (let a = 0; a < rank; a++) {
          o += (oldOffsets[a][blockIdx[a]] + at[a]) * oldStrides[a];
          n += (newOffsets[a][blockIdx[a]] + at[a]) * newStrides[a];
        }
        newValues[n] = oldValues[o];
        if (!advance(at, dims)) break;
      }
    }
    if (
      !advance(
        blockIdx,
        oldSplit.map((p) => p.length),
      )
    )
      break;
  }
}

/** Next index in row-major order within `sizes`; false after the last. */
function advance(idx: number[], sizes: readonly number[]): boolean {
  for (let a = idx.length - 1; a >= 0; a--) {
    if (++idx[a] < sizes[a]) return true;
    idx[a] = 0;
  }
  return false;
}
