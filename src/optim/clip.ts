/** Global-norm gradient clipping (tf.clip_by_global_norm semantics). */
import type { Tensor } from "../tensor/tensor.js";

/**
 * sqrt(Σ over tensors of Σ g²), accumulated in float64 in the order given
 * (callers pass parameters sorted by name, so the order never depends on
 * which layers exist or when they were built).
 */
export function globalNorm(grads: readonly Tensor[]): number {
  let s = 0;
  for (const g of grads) {
    const d = g.f32;
    for (let i = 0; i < d.length; i++) s += d[i] * d[i];
  }
  return Math.sqrt(s);
}

/** Scales gradients in place by clip/max(norm, clip); returns the norm before clipping. */
export function clipByGlobalNorm(grads: readonly Tensor[], clipNorm: number): number {
  const norm = globalNorm(grads);
  if (!(norm > clipNorm)) return norm; // also leaves NaN/inf alone: the caller reports them
  const scale = clipNorm / norm;
  for (const g of grads) {
    const d = g.f32;
    for (let i = 0; i < d.length; i++) d[i] *= scale;
  }
  return norm;
}
