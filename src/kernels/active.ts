import { jsKernels } from "./js/index.js";
import type { Kernels } from "./kernels.js";

/** The kernels ops run on. Set once at start-up (CLI `--kernels`), not per op. */
let active: Kernels = jsKernels;

export const kernels = (): Kernels => active;

export function setKernels(k: Kernels): void {
  active = k;
}
