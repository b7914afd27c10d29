/**
 * `specaugment`: SpecAugment time and feature masking of [B, T, F] features,
 * active only in training (identity otherwise), with the defaults of the
 * `transform` function in RWTH's 2019 LibriSpeech configs (returnn-experiments
 * 2019-librispeech-system/attention/base2.conv2l.specaug.curric3.config):
 * per sequence U{min_time_num … max_time_num} time masks (default max:
 * max(1, ⌊T/100⌋)) of width U{1 … max_time_width = 20}, and
 * U{min_feature_num … max_feature_num = 2} feature masks of width
 * U{1 … max_feature_width = ⌊F/5⌋}; mask starts are distinct and uniform,
 * a mask covers [start, min(start + width, dim)), masked values become 0.
 * No time warping (the 2019 configs have none).
 *
 * Deliberate differences: T is each sequence's own length (RETURNN: the
 * padded batch length), so a sequence's masks never depend on its batch-mates;
 * and the draws come from the keyed RNG, keyed by (seed, layer path, global
 * step, batch position).
 */
import { z } from "zod";
import { Data } from "../network/data.js";
import { where as select } from "../tensor/ops/index.js";
import { Tensor } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { onlySource } from "./util/sources.js";

const count = z.number().int().nonnegative();
const options = {
  min_time_num: count.optional(),
  max_time_num: count.nullable().optional(),
  max_time_width: z.number().int().positive().optional(),
  min_feature_num: count.optional(),
  max_feature_num: count.optional(),
  max_feature_width: z.number().int().positive().nullable().optional(),
};

/** U{lo … hi} from one uniform draw u ∈ [0, 1). */
const uniformInt = (u: number, lo: number, hi: number): number =>
  lo + Math.min(Math.floor(u * (hi - lo + 1)), hi - lo);

/**
 * Mask spans along an axis of length `len`: `num` distinct starts (the `num`
 * largest of `len` uniform keys, as the configs' Gumbel top-k) with widths
 * U{1 … maxWidth}. Consumes 1 + len + maxNum draws from `u` at `off`.
 */
function spans(u: Float32Array, off: number, len: number, minNum: number, maxNum: number, maxWidth: number) {
  const num = Math.min(uniformInt(u[off], minNum, maxNum), len);
  const keys = u.subarray(off + 1, off + 1 + len);
  const order = Array.from(keys.keys()).sort((a, b) => keys[b] - keys[a] || a - b);
  const widths = u.subarray(off + 1 + len, off + 1 + len + maxNum);
  return order
    .slice(0, num)
    .map((start, i) => ({ start, end: Math.min(start + uniformInt(widths[i], 1, maxWidth), len) }));
}

const specaugment: LayerDef<typeof options> = {
  options,
  forward(ctx, inputs, opts) {
    const path = ctx.path;
    const x = onlySource(inputs, path, "specaugment");
    if (x.sparse || x.dims.length !== 3 || x.batchAxis !== 0 || x.timeAxis !== 1 || x.featureAxis !== 2) {
      throw new ReproError(`${path}: specaugment needs dense [B, T, F] input, got (${x.describe()})`);
    }
    if (!ctx.train) return x;
    const [B, T, F] = x.value.shape;
    const lengths = x.dims[1].lengths!;
    const maxFeatureWidth = opts.max_feature_width ?? Math.max(1, Math.floor(F / 5));
    const maxTimeWidth = opts.max_time_width ?? 20;
    const maxFeatureNum = opts.max_feature_num ?? 2;
    const keep = new Float32Array(B * T * F).fill(1);
    for (let b = 0; b < B; b++) {
      const L = lengths[b];
      const maxTimeNum = opts.max_time_num ?? Math.max(1, Math.floor(L / 100));
      const minTime = Math.min(opts.min_time_num ?? 1, maxTimeNum);
      const minFeature = Math.min(opts.min_feature_num ?? 1, maxFeatureNum);
      const u = ctx.dropoutUniform(`specaugment/${b}`)(1 + L + maxTimeNum + 1 + F + maxFeatureNum);
      for (const s of spans(u, 0, L, minTime, maxTimeNum, maxTimeWidth)) {
        keep.fill(0, (b * T + s.start) * F, (b * T + s.end) * F);
      }
      for (const s of spans(u, 1 + L + maxTimeNum, F, minFeature, maxFeatureNum, maxFeatureWidth)) {
        for (let t = 0; t < T; t++) keep.fill(0, (b * T + t) * F + s.start, (b * T + t) * F + s.end);
      }
    }
    return new Data(select(new Tensor([B, T, F], keep), x.value, 0), x.dims);
  },
};

registerLayer("specaugment", specaugment);
