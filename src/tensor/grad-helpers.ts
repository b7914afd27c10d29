/** Tape-free tensor helpers the backward pass needs (kept apart to avoid import cycles). */
import { full, type Shape, sizeOf, Tensor } from "./tensor.js";

export const onesLike = (shape: Shape): Tensor => full(shape, 1);
export const zerosLike = (shape: Shape): Tensor => new Tensor(shape, new Float32Array(sizeOf(shape)));

/** a + b as a new tensor (same shapes), in index order. */
export function addInto(a: Tensor, b: Tensor): Tensor {
  const x = a.f32;
  const y = b.f32;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + y[i];
  return new Tensor(a.shape, out);
}

/** A new tensor object over the same buffer (no copy). */
export const makeView = (x: Tensor, shape: Shape): Tensor => new Tensor(shape, x.data);

export const makeCopy = (x: Tensor): Tensor => new Tensor(x.shape, x.data.slice());
