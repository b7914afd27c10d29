/**
 * `softmax`: linear + softmax over the feature axis. The output carries the
 * logits, so losses can work in log space; the probabilities are computed
 * only when something reads them.
 */
import { Data } from "../network/data.js";
import { softmax as softmaxOp } from "../tensor/ops/index.js";
import { deferInScope } from "../tensor/tensor.js";
import type { LayerDef } from "./layer.js";
import { affine, weightOptions } from "./linear.js";
import { registerLayer } from "./registry.js";

const softmax: LayerDef<typeof weightOptions> = {
  options: weightOptions,
  forward(ctx, inputs, opts) {
    const logits = affine(ctx, inputs, opts);
    // Computed only when a consumer reads the probabilities (ce works on the logits).
    const probs = deferInScope(() => softmaxOp(logits.value, -1));
    return new Data(probs, logits.dims, undefined, logits.value);
  },
};

registerLayer("softmax", softmax);
