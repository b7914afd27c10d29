/**
 * `softmax_over_spatial`: softmax over the time axis (RETURNN
 * SoftmaxOverSpatialLayer), after scaling by `energy_factor`. Frames beyond
 * each sequence's end get probability exactly 0: they are replaced by the
 * finite MASK_VALUE through softmax's mask (a `where`), so NaN or ±inf there
 * reaches neither the output nor any gradient.
 *
 * The axis is the time axis in per-step meaning — never the rec loop axis: in
 * the reference decoder the energy (B, [T_dec,] H, T_enc) is normalised over T_enc.
 */
import { z } from "zod";
import { sequenceMask } from "../network/data.js";
import { mul, softmax } from "../tensor/ops/index.js";
import { ReproError } from "../util/errors.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { axisSpec, resolveAxis } from "./util/axes.js";

const options = {
  energy_factor: z.number().finite().optional(),
  /** Default: the time axis ("T"). */
  axis: axisSpec.optional(),
};

const softmaxOverSpatial: LayerDef<typeof options> = {
  options,
  forward(ctx, inputs, opts) {
    if (inputs.length !== 1) {
      throw new ReproError(`${ctx.path}: softmax_over_spatial needs exactly 1 source, got ${inputs.length}`);
    }
    const [x] = inputs;
    if (x.sparse || x.value.dtype !== "float32")
      throw new ReproError(`${ctx.path}: the source must be dense float data`);
    const axis = resolveAxis(x, opts.axis ?? "T", `${ctx.path}: option "axis"`);
    const dim = x.dims[axis];
    if (dim.kind === "batch") throw new ReproError(`${ctx.path}: cannot normalise over the batch axis`);
    const energy = opts.energy_factor === undefined ? x.value : mul(x.value, opts.energy_factor);
    const masked = dim.kind === "time" && dim.lengths !== undefined;
    return x.withValue(softmax(energy, axis, masked ? sequenceMask(x, axis) : undefined));
  },
};

registerLayer("softmax_over_spatial", softmaxOverSpatial);
