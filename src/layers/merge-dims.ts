/**
 * `merge_dims`: several static axes merged into one (RETURNN MergeDimsLayer
 * with keep_order): `axes` is "static" (all static axes) or a list of specs.
 * The merged axes keep their order (the first varies slowest); the result sits
 * where the first of them was — or last, if the feature axis is among them, so
 * it stays the feature axis. Reference case: (B, [T_dec,] H, k) → (B, [T_dec,] H·k).
 */
import { Data, staticDim } from "../network/data.js";
import { reshape } from "../tensor/ops/index.js";
import { ReproError } from "../util/errors.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { axisSpec, permuteIfNeeded, resolveAxes } from "./util/axes.js";

const options = {
  axes: axisSpec,
};

const mergeDims: LayerDef<typeof options> = {
  options,
  forward(ctx, inputs, opts) {
    if (inputs.length !== 1)
      throw new ReproError(`${ctx.path}: merge_dims needs exactly 1 source, got ${inputs.length}`);
    const [x] = inputs;
    const axes = resolveAxes(x, opts.axes, `${ctx.path}: option "axes"`).sort((a, b) => a - b);
    if (axes.length === 0)
      throw new ReproError(`${ctx.path}: option "axes" names no axis of (${x.describe()})`);
    const bad = axes.find((a) => x.dims[a].kind !== "static");
    if (bad !== undefined) {
      const d = x.dims[bad];
      throw new ReproError(
        `${ctx.path}: merge_dims can only merge static axes, not ${d.kind} axis ${d.name}`,
      );
    }
    if (axes.length === 1) return x;
    const others = [...x.dims.keys()].filter((a) => !axes.includes(a));
    const feature = x.featureAxis;
    const at =
      feature >= 0 && axes.includes(feature) ? others.length : others.filter((a) => a < axes[0]).length;
    const perm = [...others.slice(0, at), ...axes, ...others.slice(at)];
    const merged = staticDim(axes.reduce((n, a) => n * x.dims[a].size, 1));
    const dims = [
      ...others.slice(0, at).map((a) => x.dims[a]),
      merged,
      ...others.slice(at).map((a) => x.dims[a]),
    ];
    return new Data(
      reshape(
        permuteIfNeeded(x.value, perm),
        dims.map((d) => d.size),
      ),
      dims,
      x.sparseDim,
    );
  },
};

registerLayer("merge_dims", mergeDims);
// RETURNN's deprecated CombineDimsLayer is a MergeDimsLayer under another name.
registerLayer("combine_dims", mergeDims);
