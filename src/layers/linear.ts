/**
 * `linear`: x·W + b with an optional activation. Several sources are
 * concatenated on the feature axis; a sparse source is an embedding lookup
 * (row `x` of W). Parameters `W` [n_in, n_out] and `b` [n_out] (RETURNN names);
 * with `use_transposed_weights` W is stored as [n_out, n_in] (x·Wᵀ, as RETURNN).
 */
import { z } from "zod";
import { Data, staticDim } from "../network/data.js";
import { glorotUniform, parseInitializer, zeros } from "../rng/initializers.js";
import { add, filterGrad, gather, matmul, reshape, transpose } from "../tensor/ops/index.js";
import type { Tensor } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import { activationOption, applyActivation, checkActivation } from "./activation.js";
import type { CommonOptions, LayerContext, LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { concatFeatures, type Tagged } from "./util/align.js";

const initOption = z.union([z.number(), z.string(), z.record(z.string(), z.unknown())]).optional();

/** Options of linear-like layers (softmax has all but `activation`). */
export const weightOptions = {
  with_bias: z.boolean().optional(),
  forward_weights_init: initOption,
  bias_init: initOption,
  use_transposed_weights: z.boolean().optional(),
  /** RETURNN: drop the gradient of a sequence whose max squared gradient (before the activation) reaches this. */
  grad_filter: z.number().positive().nullable().optional(),
};

type WeightOptions = z.infer<z.ZodObject<typeof weightOptions>> & CommonOptions;

/** `n_out` (the graph fills it from the `target` data's dim when omitted, as RETURNN does). */
export function outputDim(ctx: LayerContext, opts: CommonOptions): number {
  if (opts.n_out !== undefined) return opts.n_out;
  throw new ReproError(`${ctx.path}: option "n_out" is required (or a "target" to take it from)`);
}

/** x·W + b over the sources (no activation); keeps every dim but the feature axis. */
export function affine(ctx: LayerContext, inputs: readonly Data[], opts: WeightOptions): Tagged {
  const where = ctx.path;
  const nOut = outputDim(ctx, opts);
  const wInit =
    opts.forward_weights_init === undefined
      ? glorotUniform()
      : parseInitializer(opts.forward_weights_init, `${where}: forward_weights_init`);
  const bInit =
    opts.bias_init === undefined ? zeros() : parseInitializer(opts.bias_init, `${where}: bias_init`);
  let y: Tensor;
  let dims: Tagged["dims"];
  if (inputs.some((d) => d.sparse)) {
    if (inputs.length !== 1) {
      throw new ReproError(`${where}: a sparse source must be the only source (got ${inputs.length})`);
    }
    const x = inputs[0];
    const w = opts.use_transposed_weights
      ? transpose(ctx.param("W", [nOut, x.featureDim], wInit, [[nOut], [x.featureDim]]))
      : ctx.param("W", [x.featureDim, nOut], wInit, [[x.featureDim], [nOut]]);
    y = gather(w, x.value, 0);
    dims = [...x.dims, staticDim(nOut)];
  } else {
    const x = concatFeatures(inputs, where);
    const nIn = x.value.shape[x.value.rank - 1];
    // Input blocks: one per source (RETURNN's in_split_info of concatenated sources).
    const inSplit = inputs.map((d) => d.value.shape[d.value.rank - 1]);
    const { w, transposed } = opts.use_transposed_weights
      ? { w: ctx.param("W", [nOut, nIn], wInit, [[nOut], inSplit]), transposed: true }
      : ctx.weight("W", [nIn, nOut], wInit, [inSplit, [nOut]]);
    const mm = (a: Tensor) => matmul(a, w, { transB: transposed });
    y = x.value.rank === 1 ? reshape(mm(reshape(x.value, [1, nIn])), [nOut]) : mm(x.value);
    dims = [...x.dims.slice(0, -1), staticDim(nOut)];
  }
  if (opts.with_bias ?? true) y = add(y, ctx.param("b", [nOut], bInit, [[nOut]]));
  if (opts.grad_filter) y = filterGrad(y, opts.grad_filter);
  return { value: y, dims };
}

const linearOptions = { activation: activationOption, ...weightOptions };

const linear: LayerDef<typeof linearOptions> = {
  options: linearOptions,
  forward(ctx, inputs, opts) {
    checkActivation(opts.activation, ctx.path);
    const y = affine(ctx, inputs, opts);
    return new Data(applyActivation(opts.activation, y, ctx.path), y.dims);
  },
};

registerLayer("linear", linear);
