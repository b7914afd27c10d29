/** Cross-entropy against sparse targets, with label smoothing (1−ls on the label, ls/(V−1) elsewhere). */
import { type Data, sequenceMask } from "../network/data.js";
import * as ops from "../tensor/ops/index.js";
import { Tensor } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import { countFrames, frameAxes, registerLoss } from "./loss.js";

registerLoss("ce", {
  // use_fused picks TF's fused softmax+CE kernel in RETURNN: an implementation choice, no effect here (we always use logits).
  options: ["label_smoothing", "use_fused"],
  needsTarget: true,
  compute(output, target, opts, where) {
    const t = target!;
    if (!t.sparse) throw new ReproError(`${where}: ce needs a sparse target`);
    const ls = (opts.label_smoothing as number | undefined) ?? 0;
    if (typeof ls !== "number" || ls < 0 || ls >= 1)
      throw new ReproError(`${where}: label_smoothing must be in [0, 1)`);
    if (opts.use_fused !== undefined && typeof opts.use_fused !== "boolean")
      throw new ReproError(`${where}: loss option "use_fused" must be true or false`);
    checkAligned(output, t, where);
    const logits = output.logits ?? ops.log(output.value);
    const argmax = new Int32Array(t.value.size);
    const perFrame = ops.sparseCrossEntropy(logits, t.value, ls, argmax);
    let masked = perFrame;
    let wrong = frameErrors(argmax, t.value);
    for (const axis of frameAxes(t)) {
      const mask = sequenceMask(t, axis);
      masked = ops.where(mask, masked, 0);
      wrong = ops.where(mask, wrong, 0);
    }
    return { value: ops.sum(masked), error: ops.sum(wrong).item(), frames: countFrames(t) };
  },
});

/** Output [..., V] must have the target's dims plus the class axis. */
function checkAligned(output: Data, target: Data, where: string): void {
  const dims = output.dims.slice(0, -1);
  if (dims.length !== target.dims.length || dims.some((d, i) => d.size !== target.dims[i].size)) {
    throw new ReproError(
      `${where}: output (${output.describe()}) does not match target (${target.describe()})`,
    );
  }
  if (output.featureDim !== target.sparseDim) {
    throw new ReproError(
      `${where}: output has ${output.featureDim} classes, target "${target.sparseDim}" classes`,
    );
  }
}

/** 1 where argmax(logits) ≠ label (first maximum wins ties; the cross-entropy pass found it). */
function frameErrors(argmax: Int32Array, labels: Tensor): Tensor {
  const y = labels.i32;
  const out = new Float32Array(y.length);
  for (let r = 0; r < y.length; r++) out[r] = argmax[r] === y[r] ? 0 : 1;
  return new Tensor(labels.shape, out);
}
