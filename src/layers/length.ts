/**
 * `length`: the sequence lengths of a time axis (default "T") as int32 [B],
 * as RETURNN LengthLayer.
 */
import { z } from "zod";
import { Data } from "../network/data.js";
import { Tensor } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { axisSpec, resolveAxis } from "./util/axes.js";
import { onlySource } from "./util/sources.js";

const options = {
  axis: axisSpec.optional(),
  dtype: z.literal("int32").optional(),
  sparse: z.literal(false).optional(),
};

const length: LayerDef<typeof options> = {
  options,
  forward(ctx, inputs, opts) {
    const where = ctx.path;
    const x = onlySource(inputs, where, "length");
    const dim = x.dims[resolveAxis(x, opts.axis ?? "T", `${where}: option "axis"`)];
    if (!dim.lengths) throw new ReproError(`${where}: axis ${dim.name} has no sequence lengths`);
    const b = x.batchAxis;
    if (b < 0) throw new ReproError(`${where}: needs a batch axis (${x.describe()})`);
    return new Data(new Tensor([dim.lengths.length], Int32Array.from(dim.lengths)), [x.dims[b]]);
  },
};

registerLayer("length", length);
