/** SGD with optional momentum (TensorFlow's MomentumOptimizer): v ← μ·v + g; p ← p − lr·v. */
import type { Tensor } from "../tensor/tensor.js";

export function sgdUpdate(
  param: Tensor,
  grad: Tensor,
  lr: number,
  momentum = 0,
  velocity?: Float32Array,
): void {
  const p = param.f32;
  const g = grad.f32;
  if (momentum === 0 || !velocity) {
    for (let i = 0; i < p.length; i++) p[i] -= lr * g[i];
    return;
  }
  for (let i = 0; i < p.length; i++) {
    velocity[i] = momentum * velocity[i] + g[i];
    p[i] -= lr * velocity[i];
  }
}
