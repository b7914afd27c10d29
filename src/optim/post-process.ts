/**
 * RETURNN's per-tensor gradient post-processing before the global-norm clip
 * (returnn/tf/updater.py:WrapOptimizer._post_process_grad), in its order:
 *
 *   `gradient_noise` σ: add truncated_normal(0, σ) (redrawn beyond ±2σ) to every gradient;
 *   `gradient_clip` c:  clip every element to [−c, c];
 *   `gradient_clip_norm` n: per tensor, scale by n / max(‖g‖, n);
 *   `gradient_clip_avg_norm` a: per tensor, scale by a / max(‖g‖ / size, a).
 *
 * 0 turns each off. Norms are summed in float64 in element order. The noise of parameter p at global step s is the keyed
 * stream (seed, "gradient_noise/<p>/<s>"): it depends on nothing else (not on
 * other parameters, thread count or the order of the update).
 */
import { KeyedStream } from "../rng/keyed.js";
import type { Tensor } from "../tensor/tensor.js";

export interface GradPostProcess {
  /** `gradient_noise`: std of the added noise (0: off). */
  noise: number;
  /** `gradient_clip`: clip each element to [−clip, clip] (0: off). */
  clipValue: number;
  /** `random_seed`. */
  seed: number;
  /** `gradient_clip_norm`: per-tensor L2 norm limit (0: off). */
  clipNorm?: number;
  /** `gradient_clip_avg_norm`: per-tensor limit of L2 norm / number of elements (0: off). */
  clipAvgNorm?: number;
  /** Global step of the update. */
  step: number;
}

/** Applies noise, then value clipping, in place to each named gradient. */
export function postProcessGradients(
  grads: readonly { name: string; grad: Tensor | null }[],
  o: GradPostProcess,
): void {
  for (const { name, grad } of grads) {
    if (!grad) continue;
    const d = grad.f32;
    if (o.noise > 0) {
      const noise = new KeyedStream(o.seed, `gradient_noise/${name}/${o.step}`).truncatedNormal(
        d.length,
        0,
        o.noise,
      );
      for (let i = 0; i < d.length; i++) d[i] += noise[i];
    }
    if (o.clipValue > 0) {
      const c = o.clipValue;
      for (let i = 0; i < d.length; i++) d[i] = Math.min(c, Math.max(-c, d[i]));
    }
    if (o.clipNorm) scaleToNorm(d, o.clipNorm, 1);
    if (o.clipAvgNorm) scaleToNorm(d, o.clipAvgNorm, d.length);
  }
}

/** tf.clip_by_norm (divisor 1) and tf.clip_by_average_norm (divisor = size): g · c / max(‖g‖ / divisor, c). */
function scaleToNorm(d: Float32Array, c: number, divisor: number): void {
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i] * d[i];
  const norm = Math.sqrt(s) / divisor;
  if (!(norm > c)) return;
  const scale = c / norm;
  for (let i = 0; i < d.length; i++) d[i] *= scale;
}
