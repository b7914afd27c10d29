/** Tape-free tensor helpers the backward pass needs (kept apart to avoid import cycles). */
import { kernels } from "../kernels/active.js";
import { full, type Shape, sizeOf, Tensor } from "./tensor.js";

export const onesLike = (shape: Shape): Tensor => full(shape, 1);
export const zerosLike = (shape: Shape): Tensor => new Tensor(shape, new Float32Array(sizeOf(shape)));

const unit = [1];

/** a + b as a new tensor (same shapes), element-wise (the kernels' `add`). */
export function addInto(a: Tensor, b: Tensor): Tensor {
  const x = a.f32;
  const out = new Float32Array(x.length);
  kernels().binary("add", x, unit, b.f32, unit, out, [x.length]);
  return new Tensor(a.shape, out);
}

/** A new tensor object over the same buffer (no copy). */
export const makeView = (x: Tensor, shape: Shape): Tensor => new Tensor(shape, x.data);

export const makeCopy = (x: Tensor): Tensor => new Tensor(x.shape, x.data.slice());
