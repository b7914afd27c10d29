/**
 * `generic_attention`: Σ over the base's time axis of weights × base (RETURNN
 * GenericAttentionLayer, a `dot` in disguise). The weights' axis with the
 * base's time dim is reduced against it; the base keeps its feature axis;
 * other base axes (e.g. heads) are matched in order with weights axes of the
 * same size and act as batch axes; any weights axes left over are kept.
 *
 * Reference case: weights (B, [T_dec,] H, T_enc) with base (B, T_enc, H, k)
 * → (B, [T_dec,] H, k). With `auto_squeeze` (RETURNN's default) left-over
 * weights axes of size 1 are dropped: weights (B, T_enc, 1) from a `linear`
 * with n_out 1 give (B, k), as RETURNN's 2018 MT attention needs. The base's padded frames are zeroed with `where` first,
 * so NaN there cannot leak (0 · NaN would be NaN).
 */
import { z } from "zod";
import { Data, sameDim } from "../network/data.js";
import { reshape } from "../tensor/ops/index.js";
import { ReproError } from "../util/errors.js";
import { dotData } from "./dot.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";

const options = {
  weights: z.string(),
  base: z.string(),
  auto_squeeze: z.boolean().optional(),
};

/** The weights' axis over which the base's time axis `baseT` is summed. */
function weightsTimeAxis(path: string, weights: Data, base: Data, baseT: number): number {
  const tDim = base.dims[baseT];
  const same = weights.dims.indexOf(tDim);
  if (same >= 0) return same;
  // The same sequence lengths under another dim object (e.g. rebuilt by a layer) still match.
  const t = weights.timeAxis;
  const lw = t >= 0 ? weights.dims[t].lengths : undefined;
  const lb = tDim.lengths;
  if (
    lw &&
    lb &&
    lw.length === lb.length &&
    lw.every((l, i) => l === lb[i]) &&
    weights.dims[t].size === tDim.size
  ) {
    return t;
  }
  throw new ReproError(
    `${path}: the weights (${weights.describe()}) have no axis matching the base's time axis ${tDim.name} (${base.describe()})`,
  );
}

const genericAttention: LayerDef<typeof options> = {
  options,
  allowNoSources: true,
  refs: (opts) => [opts.weights, opts.base],
  forward(ctx, inputs, opts) {
    if (inputs.length > 0) {
      throw new ReproError(`${ctx.path}: generic_attention takes no "from"; it reads "weights" and "base"`);
    }
    const weights = ctx.layer(opts.weights);
    const base = ctx.layer(opts.base);
    const baseT = base.timeAxis;
    if (baseT < 0)
      throw new ReproError(`${ctx.path}: the base (${base.describe()}) has no time axis to attend over`);
    const baseF = base.featureAxis;
    if (baseF < 0) throw new ReproError(`${ctx.path}: the base (${base.describe()}) has no feature axis`);
    const wT = weightsTimeAxis(ctx.path, weights, base, baseT);
    const loopW = weights.loopAxis;
    const loopB = base.loopAxis;
    const baseRest = [...base.dims.keys()].filter(
      (a) => a !== base.batchAxis && a !== loopB && a !== baseT && a !== baseF,
    );
    const weightsRest = [...weights.dims.keys()].filter(
      (a) => a !== weights.batchAxis && a !== loopW && a !== wT,
    );
    // Match base axes to weights axes in order; unmatched weights axes are kept (var1) or squeezed.
    const var1: number[] = [];
    const squeezed: number[] = [];
    let j = 0;
    for (const a of weightsRest) {
      if (j < baseRest.length && sameDim(weights.dims[a], base.dims[baseRest[j]])) j++;
      else if (opts.auto_squeeze !== false && weights.dims[a].kind === "static" && weights.dims[a].size === 1)
        squeezed.push(a);
      else var1.push(a);
    }
    if (j < baseRest.length) {
      const left = baseRest.slice(j).map((a) => base.dims[a].name);
      throw new ReproError(
        `${ctx.path}: base axes (${left.join(", ")}) of (${base.describe()}) match no axis of the weights (${weights.describe()})`,
      );
    }
    // A base: layer is the same data at every step of the loop.
    const perLoop = ctx.rec?.perLoop;
    const invariant =
      perLoop && opts.base.startsWith("base:") ? { index: 1 as const, perLoop, key: ctx.path } : undefined;
    if (squeezed.length === 0)
      return dotData(ctx.path, weights, base, { red1: [wT], red2: [baseT], var1, var2: [baseF] }, invariant);
    const kept = (a: number) => a - squeezed.filter((s) => s < a).length;
    const dims = weights.dims.filter((_, a) => !squeezed.includes(a));
    const w = new Data(
      reshape(
        weights.value,
        dims.map((d) => d.size),
      ),
      dims,
    );
    return dotData(
      ctx.path,
      w,
      base,
      {
        red1: [kept(wT)],
        red2: [baseT],
        var1: var1.map(kept),
        var2: [baseF],
      },
      invariant,
    );
  },
};

registerLayer("generic_attention", genericAttention);
