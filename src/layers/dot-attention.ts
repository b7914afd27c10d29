/**
 * `dot_attention` (RETURNN DotAttentionLayer, the classic global attention):
 * energies base_ctx · x over the encoder time (× `energy_factor`), a softmax
 * over the valid encoder frames, and the weighted sum of `base`. The source x
 * is one decoder step [B, inner] or, outside the loop, [B, T_dec, inner];
 * base_ctx is [B, T, inner], base [B, T, n]. Runs on the fused attention op.
 */
import { z } from "zod";
import { Data, staticDim } from "../network/data.js";
import * as ops from "../tensor/ops/index.js";
import { ReproError } from "../util/errors.js";
import { registerLayer } from "./registry.js";
import { frameMask } from "./util/align.js";

registerLayer("dot_attention", {
  options: {
    base: z.string(),
    base_ctx: z.string(),
    energy_factor: z.number().optional(),
  },
  refs: (o) => [o.base, o.base_ctx],
  forward(ctx, inputs, opts) {
    const where = ctx.path;
    if (inputs.length !== 1) throw new ReproError(`${where}: dot_attention needs exactly one source`);
    const x = inputs[0];
    const base = ctx.layer(opts.base);
    const baseCtx = ctx.layer(opts.base_ctx);
    for (const [name, d] of [
      ["base", base],
      ["base_ctx", baseCtx],
    ] as const) {
      if (d.dims.length !== 3 || d.timeAxis !== 1 || d.featureAxis !== 2)
        throw new ReproError(`${where}: ${name} must be [batch, time, feature], got (${d.describe()})`);
    }
    if (base.dims[1].size !== baseCtx.dims[1].size)
      throw new ReproError(`${where}: base and base_ctx have different time axes`);
    const inner = baseCtx.featureDim;
    const perStep = x.dims.length === 2;
    if (x.featureAxis < 0 || x.featureDim !== inner || (x.dims.length !== 2 && x.dims.length !== 3))
      throw new ReproError(
        `${where}: the source must be [batch, (steps,) ${inner}] to match base_ctx, got (${x.describe()})`,
      );
    const B = base.dims[0].size;
    const T = base.dims[1].size;
    const n = base.featureDim;
    const L = perStep ? 1 : x.dims[1].size;
    const lengths = base.dims[1].lengths ?? new Int32Array(B).fill(T);
    // Padded base frames get weight 0; they are zeroed too, so that NaN there cannot leak (0·NaN).
    const mask = frameMask(base.dims, [1], where);
    const values = mask ? ops.where(mask, base.value, 0) : base.value;
    const out = ops.attention(
      ops.reshape(x.value, [B, 1, L, inner]),
      ops.reshape(baseCtx.value, [B, 1, T, inner]),
      ops.reshape(values, [B, 1, T, n]),
      { lengths, scale: opts.energy_factor ?? 1 },
    );
    const dims = [...x.dims.slice(0, -1), staticDim(n)];
    if (opts.n_out !== undefined && opts.n_out !== n)
      throw new ReproError(`${where}: n_out ${opts.n_out} must equal the base's feature dim ${n}`);
    return new Data(
      ops.reshape(
        out,
        dims.map((d) => d.size),
      ),
      dims,
    );
  },
});
