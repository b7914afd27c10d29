/**
 * `conv`: N-D convolution (cross-correlation, as TF) over the spatial axes of
 * [B, spatial…, F] input, as RETURNN ConvLayer: `filter_size` (one entry per
 * spatial axis), `padding` same/valid/int, `strides`, `dilation_rate`,
 * `n_out`, `activation`, `with_bias`, `input_add_feature_dim`,
 * `input_split_feature_dim`. Parameters `W` = filter_size + [n_in, n_out]
 * (TF HWIO) and `bias` [n_out]. Sequence lengths follow calc_out_dim.
 *
 * Computed as patches (pad + gather) times W reshaped to [Πk·n_in, n_out]: one
 * matmul on the kernels, each output summed in a fixed order.
 */
import { z } from "zod";
import { Data, staticDim } from "../network/data.js";
import { glorotUniform, parseInitializer, zeros } from "../rng/initializers.js";
import { add, matmul, reshape } from "../tensor/ops/index.js";
import { ReproError } from "../util/errors.js";
import { activationOption, applyActivation, checkActivation } from "./activation.js";
import type { LayerDef } from "./layer.js";
import { weightOptions } from "./linear.js";
import { registerLayer } from "./registry.js";
import { concatFeatures } from "./util/align.js";
import { paddingOption, patches, perAxis, perAxisOption, sizeOption, spatialInput } from "./util/spatial.js";

const options = {
  filter_size: sizeOption,
  padding: paddingOption,
  strides: perAxisOption.optional(),
  dilation_rate: perAxisOption.optional(),
  activation: activationOption,
  input_add_feature_dim: z.boolean().optional(),
  input_split_feature_dim: z.number().int().positive().nullable().optional(),
  ...weightOptions,
};

const conv: LayerDef<typeof options> = {
  options,
  forward(ctx, inputs, opts) {
    const where = ctx.path;
    checkActivation(opts.activation, where);
    if (opts.n_out === undefined) throw new ReproError(`${where}: option "n_out" is required`);
    const nOut = opts.n_out;
    const n = opts.filter_size.length;
    const joined = concatFeatures(inputs, where);
    const x = spatialInput(
      new Data(joined.value, joined.dims),
      n,
      { addFeatureDim: opts.input_add_feature_dim, splitFeatureDim: opts.input_split_feature_dim },
      where,
    );
    const nIn = x.dims[x.dims.length - 1].size;
    const spec = {
      sizes: opts.filter_size,
      strides: perAxis(opts.strides, n, "strides", where),
      dilations: perAxis(opts.dilation_rate, n, "dilation_rate", where),
      padding: opts.padding,
    };
    const p = patches(x, spec, 0, where);
    const wInit =
      opts.forward_weights_init === undefined
        ? glorotUniform()
        : parseInitializer(opts.forward_weights_init, `${where}: forward_weights_init`);
    const w = ctx.param("W", [...opts.filter_size, nIn, nOut], wInit, [
      ...opts.filter_size.map((k) => [k]),
      [nIn],
      [nOut],
    ]);
    const window = opts.filter_size.reduce((a, b) => a * b, 1) * nIn;
    const positions = p.dims.reduce((a, d) => a * d.size, 1);
    let y = matmul(reshape(p.value, [positions, window]), reshape(w, [window, nOut]));
    y = reshape(y, [...p.dims.map((d) => d.size), nOut]);
    // RETURNN's default is with_bias=False for behavior_version < 10 (every 2018/2019 config).
    if (opts.with_bias ?? false) {
      const bInit =
        opts.bias_init === undefined ? zeros() : parseInitializer(opts.bias_init, `${where}: bias_init`);
      y = add(y, ctx.param("bias", [nOut], bInit, [[nOut]]));
    }
    const dims = [...p.dims, staticDim(nOut)];
    return new Data(applyActivation(opts.activation, { value: y, dims }, where), dims);
  },
};

registerLayer("conv", conv);
