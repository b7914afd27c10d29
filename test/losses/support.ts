/** Shared set-up for the loss tests: [B=2, T=3, V=4] outputs with lengths 3 and 2, and sparse targets. */
import "../../src/losses/index.js";
import { Data, staticDim } from "../../src/network/data.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { randTensor } from "../helpers/gradcheck.js";
import { sparseData } from "../helpers/layer-harness.js";

export const LABELS = [
  [1, 3, 0],
  [2, 2],
];
/** (b, t) of the valid frames (sequence 1 has length 2). */
export const VALID: [number, number][] = [
  [0, 0],
  [0, 1],
  [0, 2],
  [1, 0],
  [1, 1],
];

export const target = (): Data => sparseData(LABELS, 4);

const feature = staticDim(4);

/** Dense [2, 3, 4] output sharing the target's batch and time dims. */
export function outputOf(value: Tensor, t: Data): Data {
  return new Data(value, [t.dims[0], t.dims[1], feature]);
}

export const randOutput = (seed: number, lo = -1, hi = 1): Tensor => randTensor([2, 3, 4], seed, lo, hi);

/** Element (b, t, v) of a [2, 3, 4] tensor. */
export const at = (x: Tensor, b: number, t: number, v: number): number => x.data[(b * 3 + t) * 4 + v];
