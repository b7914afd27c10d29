import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/softmax.js";
import { ParamStore } from "../../src/network/params.js";
import { ReproError } from "../../src/util/errors.js";
import {
  assertClose,
  denseData,
  layerGradCheck,
  maskingCheck,
  randDense,
  runLayer,
} from "../helpers/layer-harness.js";

function knownParams(): ParamStore {
  const params = new ParamStore(1);
  params.load("layer/W", Float32Array.of(1, 0, 0, 0, 1, 0), [2, 3]);
  params.load("layer/b", Float32Array.of(0, 0, 1), [3]);
  return params;
}

test("softmax gives normalised probabilities of x·W + b over the feature axis", () => {
  const x = denseData([1, 2, 0, 0], [1, 2, 2], [2]);
  const y = runLayer("softmax", { n_out: 3 }, [x], { params: knownParams() });
  const z = Math.exp(1) + Math.exp(2) + Math.exp(1);
  assertClose(y.value, [
    Math.exp(1) / z,
    Math.exp(2) / z,
    Math.exp(1) / z,
    1 / (2 + Math.E),
    1 / (2 + Math.E),
    Math.E / (2 + Math.E),
  ]);
});

test("softmax output carries the logits", () => {
  const x = denseData([1, 2, 0, 0], [1, 2, 2], [2]);
  const y = runLayer("softmax", { n_out: 3 }, [x], { params: knownParams() });
  assert.ok(y.logits);
  assertClose(y.logits, [1, 2, 1, 0, 0, 1]);
  assert.equal(y.dims[1], x.dims[1]);
  assert.equal(y.sparse, false);
});

test("softmax gradient check w.r.t. input, W and b", () => {
  const params = new ParamStore(2);
  layerGradCheck(
    (d) => runLayer("softmax", { n_out: 4 }, [d], { params }),
    [randDense([2, 2, 3], [2, 1], 3)],
    params,
  );
});

test("softmax: padded frames never change valid frames", () => {
  const params = new ParamStore(2);
  maskingCheck((d) => runLayer("softmax", { n_out: 4 }, [d], { params }), randDense([2, 3, 3], [1, 3], 4));
});

test("softmax: missing n_out without a target is an error", () => {
  assert.throws(() => runLayer("softmax", {}, [randDense([1, 1, 2], [1], 1)]), ReproError);
});
