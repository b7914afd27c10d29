/** Tape-free tensor helpers the backward pass needs (kept apart to avoid import cycles). */
import { kernels } from "../kernels/active.js";
import { empty, full, type Shape, sizeOf, Tensor } from "./tensor.js";

export const onesLike = (shape: Shape): Tensor => full(shape, 1);
export const zerosLike = (shape: Shape): Tensor => new Tensor(shape, new Float32Array(sizeOf(shape)));

const unit = [1];

/**
 * a + b as a new tensor (same shapes), element-wise (the kernels' `add`), in
 * a pooled buffer: a fresh one per accumulated gradient (an 8000 × 256
 * embedding's, at every use) cost page faults that took longer than the add.
 */
export function addInto(a: Tensor, b: Tensor): Tensor {
  const x = a.f32;
  const out = empty(a.shape);
  kernels().binary("add", x, unit, b.f32, unit, out.f32, [x.length]);
  return out;
}

/** A new tensor object over the same buffer (no copy). */
export const makeView = (x: Tensor, shape: Shape): Tensor => new Tensor(shape, x.data);

export const makeCopy = (x: Tensor): Tensor => new Tensor(x.shape, x.data.slice());
