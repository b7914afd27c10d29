import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/dot-attention.js";
import { batchDim, type Data, staticDim } from "../../src/network/data.js";
import { dataOf, layerGradCheck, maskingCheck, randDense, runLayer } from "../helpers/layer-harness.js";

const base = randDense([2, 3, 4], [3, 2], 1);
const baseCtx = randDense([2, 3, 5], [3, 2], 2, -1, 1);
const ctxData = (b: Data, c: Data) => (name: string) => (name === "base:encoder" ? b : c);
const opts = { base: "base:encoder", base_ctx: "base:enc_ctx", energy_factor: 0.5 };

test("dot_attention: softmax over the valid encoder frames of energy_factor · base_ctx·x, weighting base", () => {
  const x = dataOf([0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.9, 1], [batchDim(2), staticDim(5)]);
  const y = runLayer("dot_attention", opts, [x], { resolve: ctxData(base, baseCtx) });
  assert.deepEqual(y.value.shape, [2, 4]);
  for (let b = 0; b < 2; b++) {
    const len = [3, 2][b];
    const e = Array.from({ length: len }, (_, t) => {
      let s = 0;
      for (let i = 0; i < 5; i++) s += baseCtx.value.f32[(b * 3 + t) * 5 + i] * x.value.f32[b * 5 + i];
      return 0.5 * s;
    });
    const m = Math.max(...e);
    const w = e.map((v) => Math.exp(v - m));
    const z = w.reduce((p, q) => p + q, 0);
    for (let k = 0; k < 4; k++) {
      let o = 0;
      for (let t = 0; t < len; t++) o += (w[t] / z) * base.value.f32[(b * 3 + t) * 4 + k];
      assert.ok(Math.abs(y.value.f32[b * 4 + k] - o) < 1e-5, `[${b},${k}] ${y.value.f32[b * 4 + k]} vs ${o}`);
    }
  }
});

test("dot_attention gradients pass central differences; padded encoder frames do not matter", () => {
  const x = randDense([2, 2, 5], [2, 1], 3);
  layerGradCheck(
    (xx, b, c) => runLayer("dot_attention", opts, [xx], { resolve: ctxData(b, c) }),
    [x, base, baseCtx],
  );
  maskingCheck((b, c) => runLayer("dot_attention", opts, [x], { resolve: ctxData(b, c) }), [base, baseCtx], {
    grads: false,
  });
});

test("dot_attention checks the source's dim against base_ctx", () => {
  const x = randDense([2, 2, 4], [2, 1], 3);
  assert.throws(
    () => runLayer("dot_attention", opts, [x], { resolve: ctxData(base, baseCtx) }),
    /the source must be \[batch, \(steps,\) 5\]/,
  );
});
