/**
 * `softmax`: linear + softmax over the feature axis. The output carries the
 * logits, so losses can work in log space.
 */
import { Data } from "../network/data.js";
import { softmax as softmaxOp } from "../tensor/ops/index.js";
import type { LayerDef } from "./layer.js";
import { affine, weightOptions } from "./linear.js";
import { registerLayer } from "./registry.js";

const softmax: LayerDef<typeof weightOptions> = {
  options: weightOptions,
  forward(ctx, inputs, opts) {
    const logits = affine(ctx, inputs, opts);
    return new Data(softmaxOp(logits.value, -1), logits.dims, undefined, logits.value);
  },
};

registerLayer("softmax", softmax);
