/**
 * `reduce_out` (RETURNN ReduceOutLayer): the feature axis F split into
 * consecutive groups of `num_pieces`, each reduced (`mode` max = maxout, sum,
 * mean): out[j] = red(x[j·k], …, x[j·k + k − 1]).
 */
import { z } from "zod";
import { Data, staticDim } from "../network/data.js";
import * as ops from "../tensor/ops/index.js";
import { ReproError } from "../util/errors.js";
import { registerLayer } from "./registry.js";
import { concatFeatures } from "./util/align.js";

registerLayer("reduce_out", {
  options: {
    mode: z.enum(["max", "sum", "mean"]),
    num_pieces: z.number().int().positive(),
  },
  forward(ctx, inputs, opts) {
    const x = concatFeatures(inputs, ctx.path);
    const shape = x.value.shape;
    const f = shape[shape.length - 1];
    const k = opts.num_pieces;
    if (f % k !== 0)
      throw new ReproError(`${ctx.path}: feature dim ${f} is not a multiple of num_pieces ${k}`);
    const grouped = ops.reshape(x.value, [...shape.slice(0, -1), f / k, k]);
    const reduce = opts.mode === "max" ? ops.max : opts.mode === "sum" ? ops.sum : ops.mean;
    const y = reduce(grouped, -1);
    if (opts.n_out !== undefined && opts.n_out !== f / k)
      throw new ReproError(`${ctx.path}: n_out ${opts.n_out} ≠ feature dim ${f} / num_pieces ${k}`);
    return new Data(y, [...x.dims.slice(0, -1), staticDim(f / k)]);
  },
});
