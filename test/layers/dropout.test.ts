import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/dropout.js";
import { type Data, staticDim } from "../../src/network/data.js";
import { inputDropout } from "../../src/network/dropout.js";
import {
  denseData,
  layerContext,
  layerGradCheck,
  layerOptions,
  maskingCheck,
  type RunSetup,
  randDense,
  runLayer,
} from "../helpers/layer-harness.js";

/** The dropout layer as the runner runs it in training: input dropout (its `dropout` option), then the layer. */
function trainDropout(
  d: Data,
  rate: number,
  noise?: Record<string, number | null>,
  setup: RunSetup = {},
): Data {
  const full: RunSetup = { path: "enc/drop", step: 5, ...setup, train: true };
  const [x] = inputDropout(layerContext(full), [d], rate, noise);
  return runLayer("dropout", { dropout: rate, dropout_noise_shape: noise }, [x], full);
}

/** y / x per element (x has no zeros in these tests): 0 where dropped, 1/(1−rate) where kept. */
const ratios = (y: Data, x: Data): number[] => y.value.toArray().map((v, i) => v / x.value.data[i]);

test("dropout layer passes its source through unchanged (the runner applies the rate)", () => {
  const x = randDense([2, 3, 2], [3, 2], 1);
  assert.equal(runLayer("dropout", { dropout: 0.1 }, [x], { train: true }), x);
});

test("dropout in training drops about `rate` of the elements and scales the rest by 1/(1 − rate)", () => {
  const x = randDense([4, 25, 10], [25, 25, 25, 25], 4, 0.5, 1);
  const r = ratios(trainDropout(x, 0.3), x);
  const dropped = r.filter((v) => v === 0).length / r.length;
  assert.ok(Math.abs(dropped - 0.3) < 0.05, `dropped fraction ${dropped}`);
  for (const v of r) if (v !== 0) assert.ok(Math.abs(v - 1 / 0.7) < 1e-6, `kept ratio ${v}`);
});

test("dropout in training: masks are keyed by layer path and step, the same for the same key", () => {
  const x = randDense([2, 8, 8], [8, 8], 5, 0.5, 1);
  const mask = (setup: RunSetup) => ratios(trainDropout(x, 0.5, undefined, setup), x);
  const base = mask({ path: "enc/drop", step: 5 });
  assert.deepEqual(mask({ path: "enc/drop", step: 5 }), base);
  assert.notDeepEqual(mask({ path: "dec/drop", step: 5 }), base);
  assert.notDeepEqual(mask({ path: "enc/drop", step: 6 }), base);
});

test("dropout_noise_shape {'*': null, T: 1} shares one draw along time", () => {
  const x = randDense([3, 6, 8], [6, 6, 6], 6, 0.5, 1);
  const r = ratios(trainDropout(x, 0.5, { "*": null, T: 1 }), x);
  const at = (b: number, t: number, f: number) => r[(b * 6 + t) * 8 + f];
  for (let b = 0; b < 3; b++)
    for (let f = 0; f < 8; f++)
      for (let t = 1; t < 6; t++) assert.equal(at(b, t, f), at(b, 0, f), `b${b} f${f}`);
  assert.ok(r.includes(0) && r.some((v) => v !== 0), "some dropped and some kept");
});

test("dropout layer accepts dropout_noise_shape", () => {
  const opts = layerOptions("dropout", { dropout: 0.1, dropout_noise_shape: { "*": null } });
  assert.deepEqual(opts.dropout_noise_shape, { "*": null });
});

test("dropout layer concatenates several sources like copy", () => {
  const a = denseData([1, 2], [1, 1, 2], [1]);
  const b = denseData([3], [1, 1, 1], [1], [a.dims[0], a.dims[1], staticDim(1)]);
  assert.deepEqual(runLayer("dropout", {}, [a, b]).value.toArray(), [1, 2, 3]);
});

test("gradcheck layer:dropout in training mode (rate 0.3, full tensor)", () => {
  const x = randDense([2, 4, 3], [4, 2], 2);
  assert.ok(ratios(trainDropout(x, 0.3), x).includes(0), "the mask drops something");
  layerGradCheck((d) => trainDropout(d, 0.3), [x], [], { atol: 1e-3, rtol: 1e-3 });
});

test("dropout layer in training: padded frames never change valid frames", () => {
  maskingCheck((d) => trainDropout(d, 0.3), randDense([2, 3, 2], [1, 3], 3));
});
