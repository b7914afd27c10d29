import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/layer-norm.js";
import { ParamStore } from "../../src/network/params.js";
import { ReproError } from "../../src/util/errors.js";
import {
  assertClose,
  denseData,
  layerGradCheck,
  maskingCheck,
  randDense,
  runLayer,
  sparseData,
} from "../helpers/layer-harness.js";

test("layer_norm normalises each frame over the feature axis", () => {
  const y = runLayer("layer_norm", {}, [denseData([1, 3, -2, 2], [1, 2, 2], [2])]);
  assertClose(y.value, [-1, 1, -1, 1], 1e-5);
});

test("layer_norm uses epsilon (default 1e-6)", () => {
  const x = denseData([0, 2], [1, 1, 2], [1]);
  assertClose(
    runLayer("layer_norm", {}, [x]).value,
    [-1 / Math.sqrt(1 + 1e-6), 1 / Math.sqrt(1 + 1e-6)],
    1e-7,
  );
  assertClose(runLayer("layer_norm", { epsilon: 3 }, [x]).value, [-0.5, 0.5], 1e-6);
});

test("layer_norm has params scale (ones) and bias (zeros) of size F", () => {
  const params = new ParamStore(1);
  runLayer("layer_norm", {}, [randDense([1, 2, 3], [2], 1)], { params, path: "enc_01_ff_laynorm" });
  assert.deepEqual(
    params.list().map((p) => [p.name, Array.from(p.value.f32)]),
    [
      ["enc_01_ff_laynorm/bias", [0, 0, 0]],
      ["enc_01_ff_laynorm/scale", [1, 1, 1]],
    ],
  );
});

test("layer_norm applies scale and bias", () => {
  const params = new ParamStore(1);
  params.load("layer/scale", Float32Array.of(2, 3), [2]);
  params.load("layer/bias", Float32Array.of(1, -1), [2]);
  const y = runLayer("layer_norm", {}, [denseData([1, 3], [1, 1, 2], [1])], { params });
  assertClose(y.value, [-1, 2], 1e-5);
});

test("layer_norm keeps the dims", () => {
  const x = randDense([2, 2, 3], [2, 1], 1);
  assert.deepEqual(runLayer("layer_norm", {}, [x]).dims, x.dims);
});

test("layer_norm gradient check w.r.t. input, scale and bias", () => {
  const params = new ParamStore(1);
  params.load("layer/scale", Float32Array.of(1.5, 0.5, -1), [3]);
  params.load("layer/bias", Float32Array.of(0.1, 0.2, 0.3), [3]);
  layerGradCheck(
    (d) => runLayer("layer_norm", {}, [d], { params }),
    [randDense([2, 2, 3], [2, 1], 2)],
    params,
  );
});

test("layer_norm: padded frames never change valid frames", () => {
  maskingCheck((d) => runLayer("layer_norm", {}, [d]), randDense([2, 3, 4], [3, 2], 3));
});

test("layer_norm: sparse input is an error", () => {
  assert.throws(() => runLayer("layer_norm", {}, [sparseData([[1]], 3)]), ReproError);
});
