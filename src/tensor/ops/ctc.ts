/** CTC loss as one fused op with its gradient from the forward-backward kernel. */
import { kernels } from "../../kernels/active.js";
import { customGrad } from "../tape.js";
import { empty, type Tensor } from "../tensor.js";

/**
 * −log p(labels | logits) per sequence: logits [B, T, V] (unnormalised; a
 * log-softmax is applied per frame), int32 labels [B, S], valid lengths per
 * sequence, blank class `blank`. Returns [B]; +∞ where no alignment exists
 * (its gradient is 0).
 */
export function ctcLoss(
  logits: Tensor,
  labels: Tensor,
  inputLengths: Int32Array,
  labelLengths: Int32Array,
  blank: number,
): Tensor {
  const [batch, time, classes] = logits.shape;
  const maxLabels = labels.shape[1];
  if (logits.rank !== 3 || labels.rank !== 2 || labels.shape[0] !== batch) {
    throw new Error(
      `ctcLoss: logits [${logits.shape}] and labels [${labels.shape}] must be [B, T, V] and [B, S]`,
    );
  }
  const spec = { batch, time, classes, maxLabels, blank };
  const grad = new Float32Array(logits.size);
  return customGrad(
    [logits],
    () => {
      const loss = empty([batch]);
      kernels().ctcLoss(logits.f32, labels.i32, inputLengths, labelLengths, spec, loss.f32, grad);
      return loss;
    },
    (g) => {
      const gx = empty(logits.shape);
      const out = gx.f32;
      const per = time * classes;
      for (let b = 0; b < batch; b++) {
        const gb = g.f32[b];
        for (let i = b * per; i < (b + 1) * per; i++) out[i] = gb * grad[i];
      }
      return [gx];
    },
  );
}
