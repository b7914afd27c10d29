/**
 * `gauss_window_attention`: a Gaussian-weighted sum of `window_size` base
 * frames around a location t (RETURNN GaussWindowAttentionLayer). The source
 * is t per sequence ([B] or [B, 1], float frames); the base is [B, T, F].
 * Frames idx = round(t) − ⌊window_size/2⌋ + w (round half to even, as
 * tf.round) are read clipped to [0, len − 1]; their weight is
 * exp(−(t + o − idx)² / 2σ²) / (σ√2π) with the unclipped idx, so the output
 * is differentiable in t and in the base. With `inner_size` I, offsets
 * o = i·inner_size_step − I/2 (i < I) give [B, I, F]; without, o = 0 and [B, F].
 */
import { z } from "zod";
import { Data, staticDim } from "../network/data.js";
import * as ops from "../tensor/ops/index.js";
import { Tensor } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { onlySource } from "./util/sources.js";

const options = {
  base: z.string(),
  window_size: z.number().int().positive(),
  std: z.number().positive().optional(),
  inner_size: z.number().int().positive().nullable().optional(),
  inner_size_step: z.number().optional(),
};

/** tf.round: halves to the even neighbour. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const gaussWindowAttention: LayerDef<typeof options> = {
  options,
  refs: (opts) => [opts.base],
  forward(ctx, inputs, opts) {
    const where = ctx.path;
    const loc = onlySource(inputs, where, "gauss_window_attention");
    const base = ctx.layer(opts.base);
    const [B, T, F] = base.value.shape;
    if (base.dims.length !== 3 || base.batchAxis !== 0 || base.timeAxis !== 1)
      throw new ReproError(`${where}: the base must be [batch, time, feature], got (${base.describe()})`);
    const single = loc.dims.length === 1 || (loc.dims.length === 2 && loc.dims[1].size === 1);
    if (loc.sparse || loc.batchAxis !== 0 || !single)
      throw new ReproError(
        `${where}: the source (the location t) must be [batch] or [batch, 1], got (${loc.describe()})`,
      );
    const W = opts.window_size;
    const I = opts.inner_size ?? 0;
    const step = opts.inner_size_step ?? 0.5;
    const std = opts.std ?? 1;
    const lengths = base.dims[1].lengths ?? new Int32Array(B).fill(T);
    const t = loc.value.f32;
    // Frame indices (constants): unclipped for the weights, clipped for reading.
    const idx = new Float32Array(B * W);
    const rows = new Int32Array(B * W);
    for (let b = 0; b < B; b++) {
      const start = roundHalfEven(t[b]) - Math.floor(W / 2);
      for (let w = 0; w < W; w++) {
        const i = start + w;
        idx[b * W + w] = i;
        const clipped = Math.min(Math.max(i, 0), T - 1);
        rows[b * W + w] = b * T + (clipped < lengths[b] ? clipped : lengths[b] - 1);
      }
    }
    if (rows.some((r, k) => r < Math.floor(k / W) * T))
      throw new ReproError(`${where}: a base sequence has length 0`);
    const gathered = ops.reshape(
      ops.gather(ops.reshape(base.value, [B * T, F]), new Tensor([B * W], rows), 0),
      [B, W, F],
    );
    const offsets = I > 0 ? Array.from({ length: I }, (_, i) => i * step - I / 2) : [0];
    const diff = ops.sub(
      ops.add(
        ops.reshape(loc.value, [B, 1, 1]),
        new Tensor([1, 1, offsets.length], Float32Array.from(offsets)),
      ),
      new Tensor([B, W, 1], idx),
    ); // [B, W, I]
    const weights = ops.mul(
      ops.exp(ops.mul(ops.square(diff), -1 / (2 * std * std))),
      1 / (std * Math.sqrt(2 * Math.PI)),
    );
    const att = ops.matmul(weights, gathered, { transA: true }); // [B, I, F]
    const feature = staticDim(F);
    return I > 0
      ? new Data(att, [base.dims[0], staticDim(I), feature])
      : new Data(ops.reshape(att, [B, F]), [base.dims[0], feature]);
  },
};

registerLayer("gauss_window_attention", gaussWindowAttention);
