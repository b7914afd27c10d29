/**
 * Reductions accumulate in one fixed order — index ascending, in float64 — on
 * every kernel set (the determinism contract): [2^60, 1, −2^60, 1] sums to 1
 * that way, to 0 in reverse or pairwise order, and the float32 result shows it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { jsKernels } from "../../src/kernels/js/index.js";
import type { Kernels } from "../../src/kernels/kernels.js";
import { nativeKernels } from "../../src/kernels/native/index.js";

const sets: [string, Kernels | null][] = [
  ["js", jsKernels],
  ["native", nativeKernels()],
];
const BIG = 2 ** 60;

for (const [name, k] of sets) {
  const skip = k === null ? "native addon not built" : false;
  test(`${name} sum: index-ascending float64 accumulation, over a contiguous and a strided axis`, {
    skip,
  }, () => {
    // Contiguous (inner = 1): one row.
    const out = new Float32Array(1);
    k!.sum(Float32Array.of(BIG, 1, -BIG, 1), out, 1, 4, 1);
    assert.equal(out[0], 1);
    // Strided (inner = 2): column 0 is the same sequence, column 1 reversed.
    const x = Float32Array.of(BIG, 1, 1, -BIG, -BIG, 1, 1, BIG);
    const out2 = new Float32Array(2);
    k!.sum(x, out2, 1, 4, 2);
    assert.deepEqual(Array.from(out2), [1, 0]);
  });
}
