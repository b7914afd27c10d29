/**
 * The native CTC kernel against the JS reference (loss rtol 1e-6, gradient
 * |Δ| ≤ 1e-6: both run the same float64 recursion, but the C library's and
 * V8's exp/log may differ in the last bit), and bitwise identical for 1, 2
 * and 3 threads. Skipped when the addon is not built.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { jsKernels } from "../../src/kernels/js/index.js";
import type { CtcSpec, Kernels } from "../../src/kernels/kernels.js";
import { nativeKernels } from "../../src/kernels/native/index.js";
import { testRandom } from "../helpers/gradcheck.js";

const nk = nativeKernels();
const skip = nk === null ? "native addon not built" : false;

const spec: CtcSpec = { batch: 5, time: 12, classes: 6, maxLabels: 5, blank: 5 };
const r = testRandom(3);
const logits = Float32Array.from({ length: 5 * 12 * 6 }, () => r() * 6 - 3);
const labels = Int32Array.from({ length: 5 * 5 }, () => Math.floor(r() * 5));
const inputLengths = Int32Array.of(12, 9, 3, 12, 1);
const labelLengths = Int32Array.of(5, 4, 3, 0, 1); // entry 2 may be infeasible (3 labels, 3 frames)

function run(k: Kernels) {
  const loss = new Float32Array(spec.batch);
  const grad = new Float32Array(logits.length);
  k.ctcLoss(logits, labels, inputLengths, labelLengths, spec, loss, grad);
  return { loss, grad };
}

test("native CTC agrees with the JS reference", { skip }, () => {
  const a = run(jsKernels);
  const b = run(nk!);
  a.loss.forEach((l, i) => {
    if (!Number.isFinite(l)) assert.equal(b.loss[i], l);
    else assert.ok(Math.abs(b.loss[i] - l) <= 1e-6 * Math.abs(l), `loss ${i}: ${b.loss[i]} vs ${l}`);
  });
  a.grad.forEach((g, i) => {
    assert.ok(Math.abs(b.grad[i] - g) <= 1e-6, `grad ${i}: ${b.grad[i]} vs ${g}`);
  });
});

test("native CTC is bitwise identical for 1, 2 and 3 threads", { skip }, () => {
  const before = nk!.threads();
  try {
    const outs = [1, 2, 3].map((t) => {
      nk!.setThreads(t);
      const { loss, grad } = run(nk!);
      return Buffer.concat([Buffer.from(loss.buffer), Buffer.from(grad.buffer)]).toString("base64");
    });
    assert.equal(outs[1], outs[0]);
    assert.equal(outs[2], outs[0]);
  } finally {
    nk!.setThreads(before);
  }
});
