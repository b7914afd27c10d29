import assert from "node:assert/strict";
import { test } from "node:test";
import { estimateCi, npCountGreater, npMean, npSum } from "../../src/metrics/npReduce.js";

const harmonic = (n: number, f32: boolean) =>
  Array.from({ length: n }, (_, i) => (f32 ? Math.fround(1 / (i + 1)) : 1 / (i + 1)));

test("float64 sums are pairwise like numpy, not sequential", () => {
  assert.equal(npSum({ values: harmonic(1000, false), float32: false }), 7.485470860550345);
  assert.equal(npSum({ values: harmonic(137, false), float32: false }), 5.50084178584451);
  assert.equal(npMean({ values: harmonic(300, false), float32: false }), 0.02094221293433168);
});

test("float32 sums keep float32 accumulators like numpy", () => {
  assert.equal(npSum({ values: harmonic(1000, true), float32: true }), 7.485471725463867);
  assert.equal(npMean({ values: harmonic(1000, true), float32: true }), 0.007485471665859222);
  assert.equal(npMean({ values: harmonic(137, true), float32: true }), 0.040152136236429214);
});

test("estimateCi takes the mean and half the central 95% range of the sorted scores", () => {
  const values = Array.from({ length: 80 }, (_, i) => (79 - i) * 1.5);
  assert.deepEqual(estimateCi({ values, float32: false }), { mean: 59.25, ci: 56.25 });
});

test("comparisons with a float32 array round the threshold to float32", () => {
  const v = Math.fround(1.0000001192092896);
  assert.equal(npCountGreater({ values: [v], float32: true }, v - 1e-12), 0);
  assert.equal(npCountGreater({ values: [v], float32: false }, v - 1e-12), 1);
});
