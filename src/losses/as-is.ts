/** `as_is`: the layer's output is the loss, summed over valid frames. */
import * as ops from "../tensor/ops/index.js";
import { countFrames, registerLoss, zeroPadded } from "./loss.js";

registerLoss("as_is", {
  options: [],
  needsTarget: false,
  compute(output, target) {
    return { value: ops.sum(zeroPadded(output)), frames: countFrames(target ?? output) };
  },
});
