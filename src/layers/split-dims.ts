/**
 * `split_dims`: one static axis (`axis`, e.g. "F") replaced by several static
 * axes (`dims`, one entry may be -1 for "the rest"), as RETURNN SplitDimsLayer.
 * A reshape: values and their order are unchanged. Reference case:
 * (B, T_enc, 32) on "F" with dims [4, 8] → (B, T_enc, 4, 8).
 */
import { z } from "zod";
import { Data, staticDim } from "../network/data.js";
import { reshape } from "../tensor/ops/index.js";
import { ReproError } from "../util/errors.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { axisSpec, resolveAxis } from "./util/axes.js";

const options = {
  axis: axisSpec,
  dims: z
    .array(
      z
        .number()
        .int()
        .refine((d) => d > 0 || d === -1, "each dim must be positive or -1"),
    )
    .min(1),
};

const splitDims: LayerDef<typeof options> = {
  options,
  forward(ctx, inputs, opts) {
    if (inputs.length !== 1)
      throw new ReproError(`${ctx.path}: split_dims needs exactly 1 source, got ${inputs.length}`);
    const [x] = inputs;
    const axis = resolveAxis(x, opts.axis, `${ctx.path}: option "axis"`);
    const dim = x.dims[axis];
    if (dim.kind !== "static") {
      throw new ReproError(
        `${ctx.path}: split_dims can only split a static axis, not ${dim.kind} axis ${dim.name}`,
      );
    }
    const free = opts.dims.filter((d) => d === -1).length;
    if (free > 1)
      throw new ReproError(`${ctx.path}: option "dims" may contain -1 only once, got [${opts.dims}]`);
    const known = opts.dims.filter((d) => d !== -1).reduce((p, q) => p * q, 1);
    const sizes = opts.dims.map((d) => (d === -1 ? dim.size / known : d));
    if (!sizes.every(Number.isInteger) || sizes.reduce((p, q) => p * q, 1) !== dim.size) {
      throw new ReproError(
        `${ctx.path}: option "dims" [${opts.dims}] does not split axis ${dim.name} of size ${dim.size}`,
      );
    }
    const dims = [...x.dims.slice(0, axis), ...sizes.map((s) => staticDim(s)), ...x.dims.slice(axis + 1)];
    return new Data(
      reshape(
        x.value,
        dims.map((d) => d.size),
      ),
      dims,
      x.sparseDim,
    );
  },
};

registerLayer("split_dims", splitDims);
