/**
 * `slice`: x[slice_start:slice_end:slice_step] on one axis, as RETURNN
 * SliceLayer. On a time axis each sequence keeps its own length (L − start,
 * or L + end for a negative end, then ⌈·/step⌉); a non-negative `slice_end`
 * makes the axis static (end − start), as in RETURNN.
 */
import { z } from "zod";
import { Data, type Dim, staticDim, timeDim } from "../network/data.js";
import { gather } from "../tensor/ops/index.js";
import { Tensor } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { axisSpec, resolveAxis } from "./util/axes.js";
import { onlySource } from "./util/sources.js";

const options = {
  axis: axisSpec,
  slice_start: z.number().int().nullable().optional(),
  slice_end: z.number().int().nullable().optional(),
  slice_step: z.number().int().positive().nullable().optional(),
};

/** Python's slice(start, end, step).indices(len) for a positive step, as index list. */
export function sliceIndices(
  len: number,
  start: number | null | undefined,
  end: number | null | undefined,
  step: number,
): number[] {
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + len : v, 0), len);
  const from = start == null ? 0 : clamp(start);
  const to = end == null ? len : clamp(end);
  const out: number[] = [];
  for (let i = from; i < to; i += step) out.push(i);
  return out;
}

const slice: LayerDef<typeof options> = {
  options,
  forward(ctx, inputs, opts) {
    const where = ctx.path;
    const x = onlySource(inputs, where, "slice");
    const axis = resolveAxis(x, opts.axis, `${where}: option "axis"`);
    const dim = x.dims[axis];
    const step = opts.slice_step ?? 1;
    const start = opts.slice_start;
    const end = opts.slice_end;
    if (dim.lengths && start != null && start < 0) {
      throw new ReproError(`${where}: slice_start must be ≥ 0 on a time axis, got ${start}`);
    }
    const idx = sliceIndices(dim.size, start, end, step);
    if (idx.length === 0)
      throw new ReproError(`${where}: the slice leaves axis ${dim.name} (size ${dim.size}) empty`);
    let outDim: Dim;
    if (dim.lengths && (end == null || end < 0)) {
      outDim = timeDim(
        dim.lengths.map((l) => sliceIndices(l, start, end, step).length),
        `${where}:${dim.name}`,
        dim.loop,
      );
    } else outDim = dim.lengths ? staticDim(idx.length, `${where}:slice-end`) : staticDim(idx.length);
    const value = gatherAxis(x.value, axis, idx);
    return new Data(value, [...x.dims.slice(0, axis), outDim, ...x.dims.slice(axis + 1)], x.sparseDim);
  },
};

/** x restricted to positions `idx` of `axis` (float: differentiable gather; int32: a plain copy). */
function gatherAxis(x: Tensor, axis: number, idx: number[]): Tensor {
  const indices = new Tensor([idx.length], Int32Array.from(idx));
  if (x.dtype === "float32") return gather(x, indices, axis);
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const len = x.shape[axis];
  const src = x.i32;
  const out = new Int32Array(outer * idx.length * inner);
  for (let o = 0; o < outer; o++) {
    idx.forEach((i, k) => {
      out.set(src.subarray((o * len + i) * inner, (o * len + i + 1) * inner), (o * idx.length + k) * inner);
    });
  }
  return new Tensor([...x.shape.slice(0, axis), idx.length, ...x.shape.slice(axis + 1)], out);
}

registerLayer("slice", slice);
