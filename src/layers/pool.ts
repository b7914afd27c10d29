/**
 * `pool`: max or average pooling over the spatial axes of [B, spatial…, F]
 * input, as RETURNN PoolLayer: `mode` "max"/"avg", `pool_size` (one entry
 * per spatial axis), `padding` (default "valid"), `strides` (default
 * `pool_size`), `dilation_rate`. TF semantics at the padded edges: max
 * ignores them (−∞), avg divides by the number of real frames in the window.
 * Sequence lengths as for `conv`; all-ones pool is the identity.
 */
import { z } from "zod";
import { Data } from "../network/data.js";
import { div, max, sum } from "../tensor/ops/index.js";
import { Tensor } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { concatFeatures } from "./util/align.js";
import {
  paddingOption,
  patches,
  perAxis,
  perAxisOption,
  sizeOption,
  spatialInput,
  withChannels,
} from "./util/spatial.js";
import { tfWindowSpec, type WindowSpec } from "./util/windows.js";

const options = {
  mode: z.enum(["max", "avg"]),
  pool_size: sizeOption,
  padding: paddingOption.optional(),
  strides: perAxisOption.optional(),
  dilation_rate: perAxisOption.optional(),
  use_channel_first: z.boolean().optional(),
};

/** Real (non-padding) frames in each window of one axis: [windows]. */
function realCounts(len: number, w: WindowSpec, count: number): number[] {
  return Array.from({ length: count }, (_, o) => {
    let c = 0;
    for (let j = 0; j < w.size; j++) {
      const i = o * w.stride + j * w.dilation - w.padLeft;
      if (i >= 0 && i < len) c++;
    }
    return c;
  });
}

const pool: LayerDef<typeof options> = {
  options,
  forward(ctx, inputs, opts) {
    const where = ctx.path;
    if (opts.use_channel_first) throw new ReproError(`${where}: use_channel_first is not supported`);
    const n = opts.pool_size.length;
    const joined = concatFeatures(inputs, where);
    const x = spatialInput(new Data(joined.value, joined.dims), n, {}, where);
    const padding = opts.padding ?? "valid";
    const spec = {
      sizes: opts.pool_size,
      strides: opts.strides === undefined ? opts.pool_size : perAxis(opts.strides, n, "strides", where),
      dilations: perAxis(opts.dilation_rate, n, "dilation_rate", where),
      padding,
    };
    const channels = x.dims[x.dims.length - 1].size;
    if (opts.pool_size.every((k) => k === 1) && spec.strides.every((s) => s === 1)) {
      return new Data(x.value, x.dims);
    }
    const windowAxes = opts.pool_size.map((_, i) => 1 + n + i);
    if (opts.mode === "max") {
      const p = patches(x, spec, Number.NEGATIVE_INFINITY, where);
      return withChannels(max(p.value, windowAxes), p.dims, channels);
    }
    const p = patches(x, spec, 0, where);
    // Divisor: the product over axes of the real frames in each window (TF avg_pool).
    const perAxisCounts = spec.sizes.map((k, i) => {
      const len = x.dims[1 + i].size;
      const w = tfWindowSpec(len, k, padding, spec.strides[i], spec.dilations[i]);
      return realCounts(len, w, p.dims[1 + i].size);
    });
    const outShape = p.dims.slice(1).map((d) => d.size);
    const counts = new Float32Array(outShape.reduce((a, b) => a * b, 1));
    counts.forEach((_, flat) => {
      let rest = flat;
      let c = 1;
      for (let i = n - 1; i >= 0; i--) {
        c *= perAxisCounts[i][rest % outShape[i]];
        rest = Math.floor(rest / outShape[i]);
      }
      counts[flat] = c;
    });
    const divisor = new Tensor([1, ...outShape, 1], counts);
    return withChannels(div(sum(p.value, windowAxes), divisor), p.dims, channels);
  },
};

registerLayer("pool", pool);
