/** Mean squared error against a dense target (or the one-hot of a sparse one), summed over frames. */
import * as ops from "../tensor/ops/index.js";
import { ReproError } from "../util/errors.js";
import { countFrames, registerLoss, zeroPadded } from "./loss.js";

registerLoss("mse", {
  options: [],
  needsTarget: true,
  compute(output, target, _opts, where) {
    const t = target!;
    const targetValue = t.sparse ? ops.oneHot(t.value, t.sparseDim!) : t.value;
    if (targetValue.size !== output.value.size) {
      throw new ReproError(`${where}: output (${output.describe()}) does not match target (${t.describe()})`);
    }
    const diff = ops.sub(output.value, ops.reshape(targetValue, output.value.shape));
    return { value: ops.sum(zeroPadded(output, ops.square(diff))), frames: countFrames(t) };
  },
});
