/**
 * Adam in TensorFlow's formulation (what RETURNN users get):
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,
 *   p ← p − lr·sqrt(1−β2^t)/(1−β1^t) · m / (sqrt(v) + ε)
 * with optional decoupled weight decay (AdamW): p ← p − lr·wd·p first.
 */
import { kernels } from "../kernels/active.js";
import type { Tensor } from "../tensor/tensor.js";

export interface AdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

export const adamDefaults: AdamOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };

/** First and second moments of one parameter. */
export interface AdamSlots {
  m: Float32Array;
  v: Float32Array;
}

export const newAdamSlots = (size: number): AdamSlots => ({
  m: new Float32Array(size),
  v: new Float32Array(size),
});

/** One in-place update; `step` is the 1-based count of updates of this parameter. */
export function adamUpdate(
  param: Tensor,
  grad: Tensor,
  slots: AdamSlots,
  lr: number,
  step: number,
  opts: AdamOptions = adamDefaults,
): void {
  if (grad.size !== param.size)
    throw new Error(`adam: gradient size ${grad.size} ≠ parameter size ${param.size}`);
  kernels().adam(param.f32, grad.f32, slots.m, slots.v, { lr, step, ...opts });
}

/** A parameter, its gradient and its Adam slots. */
export interface AdamItem {
  param: Tensor;
  grad: Tensor;
  slots: AdamSlots;
}

/**
 * `adamUpdate` on every item in one kernel call (one thread-pool dispatch):
 * the same bits as updating each in turn. All items are at update `step`;
 * their parameters must be distinct tensors.
 */
export function adamUpdateMany(
  items: readonly AdamItem[],
  lr: number,
  step: number,
  opts: AdamOptions = adamDefaults,
): void {
  for (const { param, grad } of items)
    if (grad.size !== param.size)
      throw new Error(`adam: gradient size ${grad.size} ≠ parameter size ${param.size}`);
  if (new Set(items.map((x) => x.param.f32)).size !== items.length)
    throw new Error("adam: a parameter appears twice in one update");
  kernels().adamMany(
    items.map((x) => x.param.f32),
    items.map((x) => x.grad.f32),
    items.map((x) => x.slots.m),
    items.map((x) => x.slots.v),
    { lr, step, ...opts },
  );
}
