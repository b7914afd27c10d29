/**
 * `copy`: one source as is (the same Data: a provable no-op); several sources
 * are concatenated on the feature axis.
 */
import { Data } from "../network/data.js";
import type { LayerContext, LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { concatFeatures } from "./util/align.js";

/** The copy semantics, shared with `dropout` (whose rate the runner applies to the input). */
export function copyForward(ctx: LayerContext, inputs: readonly Data[]): Data {
  if (inputs.length === 1) return inputs[0];
  const y = concatFeatures(inputs, ctx.path);
  return new Data(y.value, y.dims);
}

const copy: LayerDef<Record<never, never>> = {
  options: {},
  forward: copyForward,
};

registerLayer("copy", copy);
