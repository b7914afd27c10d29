/**
 * `layer_norm`: normalisation over the feature axis, then `scale` (ones) and
 * `bias` (zeros), both of size F (RETURNN names). Each frame is normalised on
 * its own, so padded frames cannot reach valid ones.
 */
import { z } from "zod";
import { Data } from "../network/data.js";
import { ones, zeros } from "../rng/initializers.js";
import { layerNorm as layerNormOp } from "../tensor/ops/index.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { concatFeatures } from "./util/align.js";

const layerNormOptions = { epsilon: z.number().positive().optional() };

const layerNorm: LayerDef<typeof layerNormOptions> = {
  options: layerNormOptions,
  forward(ctx, inputs, opts) {
    const x = concatFeatures(inputs, ctx.path);
    const f = x.value.shape[x.value.rank - 1];
    const scale = ctx.param("scale", [f], ones(), [[f]]);
    const bias = ctx.param("bias", [f], zeros(), [[f]]);
    return new Data(layerNormOp(x.value, scale, bias, opts.epsilon ?? 1e-6), x.dims);
  },
};

registerLayer("layer_norm", layerNorm);
