import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/dropout.js";
import { staticDim } from "../../src/network/data.js";
import {
  denseData,
  layerGradCheck,
  layerOptions,
  maskingCheck,
  randDense,
  runLayer,
} from "../helpers/layer-harness.js";

test("dropout layer passes its source through unchanged (the runner applies the rate)", () => {
  const x = randDense([2, 3, 2], [3, 2], 1);
  assert.equal(runLayer("dropout", { dropout: 0.1 }, [x], { train: true }), x);
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

test("dropout layer gradient check", () => {
  layerGradCheck((d) => runLayer("dropout", { dropout: 0.3 }, [d]), [randDense([2, 2, 2], [2, 1], 2)]);
});

test("dropout layer: padded frames never change valid frames", () => {
  maskingCheck((d) => runLayer("dropout", {}, [d]), randDense([2, 3, 2], [1, 3], 3));
});
