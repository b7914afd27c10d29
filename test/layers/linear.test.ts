import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/linear.js";
import { batchDim, staticDim } from "../../src/network/data.js";
import { ParamStore } from "../../src/network/params.js";
import { ReproError } from "../../src/util/errors.js";
import {
  assertClose,
  dataOf,
  denseData,
  layerGradCheck,
  layerOptions,
  maskingCheck,
  randDense,
  runLayer,
  sparseData,
} from "../helpers/layer-harness.js";
import { GLOROT_QUERY0_2x3 } from "../helpers/rng-reference.js";

/** A store holding W = [[1, 2, 3], [4, 5, 6]] and b = [0.5, -1, 2] for layer "layer". */
function knownParams(): ParamStore {
  const params = new ParamStore(1);
  params.load("layer/W", Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
  params.load("layer/b", Float32Array.of(0.5, -1, 2), [3]);
  return params;
}

test("linear computes x·W + b per frame", () => {
  const x = denseData([1, 2, 0, -1], [1, 2, 2], [2]);
  const y = runLayer("linear", { n_out: 3 }, [x], { params: knownParams() });
  assert.deepEqual(y.value.shape, [1, 2, 3]);
  assertClose(y.value, [9.5, 11, 17, -3.5, -6, -4]);
});

test("linear keeps the batch and time dims and adds a static feature dim of n_out", () => {
  const x = randDense([2, 3, 4], [3, 1], 1);
  const y = runLayer("linear", { n_out: 5 }, [x]);
  assert.equal(y.dims[0], x.dims[0]);
  assert.equal(y.dims[1], x.dims[1]);
  assert.deepEqual({ kind: y.dims[2].kind, size: y.dims[2].size }, { kind: "static", size: 5 });
});

test("linear initialises W with glorot_uniform keyed by its full name and b with zeros", () => {
  const params = new ParamStore(7);
  runLayer("linear", { n_out: 3 }, [randDense([1, 1, 2], [1], 2)], {
    params,
    path: "output/dec_01_att_query0",
  });
  const [w, b] = params.list();
  assert.equal(w.name, "output/dec_01_att_query0/W");
  assert.deepEqual(Array.from(w.value.f32), GLOROT_QUERY0_2x3);
  assert.equal(b.name, "output/dec_01_att_query0/b");
  assert.deepEqual(Array.from(b.value.f32), [0, 0, 0]);
});

test("linear reads forward_weights_init and bias_init", () => {
  const params = new ParamStore(1);
  const y = runLayer(
    "linear",
    { n_out: 2, forward_weights_init: 0.5, bias_init: "ones" },
    [denseData([1, 3], [1, 1, 2], [1])],
    { params },
  );
  assertClose(y.value, [3, 3]);
});

test("linear with_bias false has no b parameter", () => {
  const params = new ParamStore(1);
  runLayer("linear", { n_out: 3, with_bias: false }, [randDense([1, 2, 2], [2], 3)], { params });
  assert.deepEqual(
    params.list().map((p) => p.name),
    ["layer/W"],
  );
});

test("linear applies its activation", () => {
  const x = denseData([1, 2, 0, -1], [1, 2, 2], [2]);
  const relu = runLayer("linear", { n_out: 3, activation: "relu" }, [x], { params: knownParams() });
  assertClose(relu.value, [9.5, 11, 17, 0, 0, 0]);
  const tanh = runLayer("linear", { n_out: 3, activation: "tanh" }, [x], { params: knownParams() });
  assertClose(tanh.value, [9.5, 11, 17, -3.5, -6, -4].map(Math.tanh));
  const sm = runLayer("linear", { n_out: 3, activation: "softmax" }, [x], { params: knownParams() });
  const z = Math.exp(9.5) + Math.exp(11) + Math.exp(17);
  assertClose(sm.value.f32.subarray(0, 3), [Math.exp(9.5) / z, Math.exp(11) / z, Math.exp(17) / z]);
});

test("linear with activation null is the identity", () => {
  const x = denseData([1, 2], [1, 1, 2], [1]);
  const y = runLayer("linear", { n_out: 3, activation: null }, [x], { params: knownParams() });
  assertClose(y.value, [9.5, 11, 17]);
});

test("linear concatenates several sources on the feature axis", () => {
  const a = denseData([1, 0], [1, 2, 1], [2]);
  const b = denseData([2, -1], [1, 2, 1], [2], a.dims.slice(0, 2).concat(staticDim(1)));
  const y = runLayer("linear", { n_out: 3 }, [a, b], { params: knownParams() });
  assertClose(y.value, [9.5, 11, 17, -3.5, -6, -4]);
});

test("linear on a sparse source is an embedding lookup of rows of W", () => {
  const params = new ParamStore(1);
  params.load("layer/W", Float32Array.of(1, 2, 3, 4, 5, 6), [3, 2]);
  const x = sparseData([[2, 0], [1]], 3);
  const y = runLayer("linear", { n_out: 2, with_bias: false }, [x], { params });
  assert.deepEqual(y.value.shape, [2, 2, 2]);
  assertClose(y.value.f32.subarray(0, 6), [5, 6, 1, 2, 3, 4]);
  assert.equal(y.dims[1], x.dims[1]);
});

test("linear on a [B, F] source (no time axis) works", () => {
  const x = dataOf([1, 2, 0, -1], [batchDim(2), staticDim(2)]);
  const y = runLayer("linear", { n_out: 3 }, [x], { params: knownParams() });
  assertClose(y.value, [9.5, 11, 17, -3.5, -6, -4]);
});

test("linear gradient check w.r.t. input, W and b", () => {
  const params = new ParamStore(3);
  const x = randDense([2, 3, 2], [3, 2], 5);
  layerGradCheck((d) => runLayer("linear", { n_out: 3, activation: "tanh" }, [d], { params }), [x], params);
});

test("linear (embedding) gradient check w.r.t. W and b", () => {
  const params = new ParamStore(3);
  const x = sparseData([[2, 0, 2], [1]], 3);
  layerGradCheck(
    (d) => runLayer("linear", { n_out: 2, activation: "sigmoid" }, [d], { params }),
    [x],
    params,
  );
});

test("linear use_transposed_weights stores W as [n_out, n_in] and computes x·Wᵀ + b", () => {
  const params = new ParamStore(1);
  params.load("layer/W", Float32Array.of(1, 4, 2, 5, 3, 6), [3, 2]); // the transpose of knownParams' W
  params.load("layer/b", Float32Array.of(0.5, -1, 2), [3]);
  const x = denseData([1, 2, 0, -1], [1, 2, 2], [2]);
  const y = runLayer("linear", { n_out: 3, use_transposed_weights: true }, [x], { params });
  assertClose(y.value, [9.5, 11, 17, -3.5, -6, -4]);
  const fresh = new ParamStore(1);
  runLayer("linear", { n_out: 3, use_transposed_weights: true }, [x], { params: fresh });
  assert.deepEqual(fresh.list()[0].value.shape, [3, 2]);
});

test("linear use_transposed_weights on a sparse source looks up columns of the stored W", () => {
  const params = new ParamStore(1);
  params.load("layer/W", Float32Array.of(1, 3, 5, 2, 4, 6), [2, 3]);
  const x = sparseData([[2, 0], [1]], 3);
  const y = runLayer("linear", { n_out: 2, with_bias: false, use_transposed_weights: true }, [x], { params });
  assertClose(y.value.f32.subarray(0, 6), [5, 6, 1, 2, 3, 4]);
});

test("linear use_transposed_weights gradient check w.r.t. input, W and b", () => {
  const params = new ParamStore(3);
  const x = randDense([2, 3, 2], [3, 2], 5);
  layerGradCheck(
    (d) =>
      runLayer("linear", { n_out: 3, activation: "tanh", use_transposed_weights: true }, [d], { params }),
    [x],
    params,
  );
});

test("linear: padded frames never change valid frames", () => {
  const params = new ParamStore(3);
  maskingCheck(
    (d) => runLayer("linear", { n_out: 3, activation: "softmax" }, [d], { params }),
    randDense([2, 3, 2], [3, 1], 6),
  );
  maskingCheck(
    (d) => runLayer("linear", { n_out: 3 }, [d], { params: new ParamStore(1) }),
    sparseData([[2, 0, 2], [1]], 3),
  );
});

test("linear: unknown activation is an error naming the layer, with a hint", () => {
  assert.throws(
    () =>
      runLayer("linear", { n_out: 3, activation: "rleu" }, [randDense([1, 1, 2], [1], 1)], {
        path: "enc/ff",
      }),
    (e: unknown) =>
      e instanceof ReproError &&
      /^enc\/ff: unknown activation "rleu" \(did you mean "relu"\?\)/.test(e.message),
  );
});

test("linear: missing n_out (and no target) is an error", () => {
  assert.throws(
    () => runLayer("linear", {}, [randDense([1, 1, 2], [1], 1)]),
    (e: unknown) => e instanceof ReproError && /^layer: option "n_out" is required/.test(e.message),
  );
});

test("linear: a sparse source mixed with another is an error", () => {
  const s = sparseData([[1]], 3);
  assert.throws(() => runLayer("linear", { n_out: 2 }, [s, randDense([1, 1, 2], [1], 1)]), ReproError);
});

test("linear: sources with different time dims cannot be concatenated", () => {
  assert.throws(
    () => runLayer("linear", { n_out: 2 }, [randDense([1, 2, 2], [2], 1), randDense([1, 2, 2], [2], 2)]),
    /cannot concatenate/,
  );
});

test("linear: an unknown initializer is an error naming the option", () => {
  assert.throws(
    () =>
      runLayer("linear", { n_out: 2, forward_weights_init: "glorot_unifrom" }, [
        randDense([1, 1, 2], [1], 1),
      ]),
    /^ReproError: layer: forward_weights_init: unknown initializer "glorot_unifrom" \(did you mean "glorot_uniform"\?\)/,
  );
});

test("linear: options are validated by the schema (bad types, unknown keys)", () => {
  assert.throws(() => layerOptions("linear", { n_out: 3, with_bias: "yes" }), /with_bias/);
  assert.throws(() => layerOptions("linear", { n_out: 3, activaton: "relu" }), ReproError);
  assert.throws(() => layerOptions("linear", { n_out: -1 }), /n_out/);
});
