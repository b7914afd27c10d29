/**
 * `reduce`: sum, mean, max, min or logsumexp over `axes` (RETURNN ReduceLayer;
 * `axis` is accepted as an alias). Reducing over a time axis respects the
 * sequence lengths: padded frames are replaced with `where` before reducing —
 * by 0 for sum and mean (mean divides by the length, not the padded size), by
 * the finite MASK_VALUE for max and logsumexp (−MASK_VALUE for min). The batch
 * axis cannot be reduced (every layer output keeps it first).
 */
import { z } from "zod";
import { Data, type Dim, sequenceMask, staticDim } from "../network/data.js";
import { div, logSumExp, MASK_VALUE, max, neg, reshape, sum, where } from "../tensor/ops/index.js";
import { Tensor } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { axisSpec, resolveAxes } from "./util/axes.js";

const options = {
  mode: z.enum(["sum", "mean", "max", "min", "logsumexp"]),
  axes: axisSpec.optional(),
  axis: axisSpec.optional(),
  keep_dims: z.boolean().default(false),
};

/** True for a time axis with at least one sequence shorter than the padded size. */
const padded = (d: Dim): boolean =>
  d.kind === "time" && d.lengths !== undefined && d.lengths.some((l) => l < d.size);

/** Per batch entry, how many valid elements the reduced axes hold, shaped [B, 1, ...] (at least 1). */
function validCounts(x: Data, axes: readonly number[]): Tensor {
  const B = x.dims[0].size;
  const counts = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    let n = 1;
    for (const a of axes) n *= x.dims[a].lengths?.[b] ?? x.dims[a].size;
    counts[b] = Math.max(n, 1);
  }
  return new Tensor(
    x.dims.map((_, a) => (a === 0 ? B : 1)),
    counts,
  );
}

const reduce: LayerDef<typeof options> = {
  options,
  forward(ctx, inputs, opts) {
    if (inputs.length !== 1)
      throw new ReproError(`${ctx.path}: reduce needs exactly 1 source, got ${inputs.length}`);
    const [x] = inputs;
    if (x.sparse || x.value.dtype !== "float32")
      throw new ReproError(`${ctx.path}: reduce needs dense float input`);
    if (opts.axes !== undefined && opts.axis !== undefined) {
      throw new ReproError(`${ctx.path}: give either option "axes" or "axis", not both`);
    }
    const spec = opts.axes ?? opts.axis;
    if (spec === undefined) throw new ReproError(`${ctx.path}: option "axes" is required`);
    const axes = resolveAxes(
      x,
      spec,
      `${ctx.path}: option "${opts.axes !== undefined ? "axes" : "axis"}"`,
    ).sort((a, b) => a - b);
    if (axes.length === 0)
      throw new ReproError(`${ctx.path}: the axes ${JSON.stringify(spec)} name no axis of (${x.describe()})`);
    if (axes.includes(x.batchAxis)) throw new ReproError(`${ctx.path}: reduce cannot reduce the batch axis`);

    const fill = opts.mode === "sum" || opts.mode === "mean" ? 0 : MASK_VALUE;
    const mask = (v: Tensor): Tensor => {
      for (const a of axes) if (padded(x.dims[a])) v = where(sequenceMask(x, a), v, fill);
      return v;
    };
    let out: Tensor;
    switch (opts.mode) {
      case "sum":
        out = sum(mask(x.value), axes, true);
        break;
      case "mean":
        out = div(sum(mask(x.value), axes, true), validCounts(x, axes));
        break;
      case "max":
        out = max(mask(x.value), axes, true);
        break;
      case "min":
        out = neg(max(mask(neg(x.value)), axes, true));
        break;
      case "logsumexp":
        out = logSumExp(mask(x.value), axes, true);
        break;
    }
    const dims = opts.keep_dims
      ? x.dims.map((d, a) => (axes.includes(a) ? staticDim(1) : d))
      : x.dims.filter((_, a) => !axes.includes(a));
    return new Data(
      reshape(
        out,
        dims.map((d) => d.size),
      ),
      dims,
    );
  },
};

registerLayer("reduce", reduce);
