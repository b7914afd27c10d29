import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/split-dims.js";
import { batchDim, staticDim } from "../../src/network/data.js";
import { ReproError } from "../../src/util/errors.js";
import {
  dataOf,
  layerGradCheck,
  maskingCheck,
  randData as rand,
  runLayer,
  timeDimOf,
} from "../helpers/layer-harness.js";

const B = batchDim(2);
const Tenc = timeDimOf([3, 2], "T_enc");
const Tdec = timeDimOf([2, 1], "T_dec", true);
const heads = { axis: "F", dims: [4, 8] };

test("the reference key: (B, T_enc, 32) split on F into [4, 8] → (B, T_enc, 4, 8)", () => {
  const x = rand([B, Tenc, staticDim(32)], 1);
  const y = runLayer("split_dims", heads, [x]);
  assert.deepEqual(y.value.shape, [2, 3, 4, 8]);
  assert.equal(y.dims[0], x.dims[0]);
  assert.equal(y.dims[1], Tenc);
  assert.deepEqual(
    y.dims.slice(2).map((d) => [d.kind, d.size]),
    [
      ["static", 4],
      ["static", 8],
    ],
  );
  assert.equal(y.featureAxis, 3);
  assert.deepEqual(Array.from(y.value.data), Array.from(x.value.data));
});

test("the reference query in training: (B, T_dec loop, 32) → (B, T_dec, 4, 8)", () => {
  const y = runLayer("split_dims", heads, [rand([B, Tdec, staticDim(32)], 2)]);
  assert.deepEqual(y.value.shape, [2, 2, 4, 8]);
  assert.equal(y.dims[1], Tdec);
  assert.equal(y.loopAxis, 1);
});

test("one entry of dims may be -1", () => {
  const y = runLayer("split_dims", { axis: "F", dims: [-1, 3] }, [rand([B, Tenc, staticDim(6)], 3)]);
  assert.deepEqual(y.value.shape, [2, 3, 2, 3]);
});

test("a static axis other than the feature axis can be split", () => {
  const x = dataOf([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [batchDim(1), staticDim(6), staticDim(2)]);
  const y = runLayer("split_dims", { axis: "static:0", dims: [3, 2] }, [x]);
  assert.deepEqual(y.value.shape, [1, 3, 2, 2]);
  assert.deepEqual(Array.from(y.value.data), Array.from(x.value.data));
});

test("split_dims passes a finite-difference gradient check", () => {
  layerGradCheck(
    (x) => runLayer("split_dims", { axis: "F", dims: [2, 3] }, [x]),
    [rand([B, Tenc, staticDim(6)], 4)],
  );
});

test("padded frames stay padded and reach no valid frame", () => {
  maskingCheck(
    (x) => runLayer("split_dims", { axis: "F", dims: [2, 3] }, [x]),
    rand([B, Tenc, staticDim(6)], 5),
  );
});

test("option errors name the layer", () => {
  const x = rand([B, Tenc, staticDim(6)], 6);
  const run = (opts: Record<string, unknown>) => () =>
    runLayer("split_dims", opts, [x], { path: "enc_01_att_key" });
  const isOurs = (re: RegExp) => (e: Error) =>
    e instanceof ReproError && e.message.startsWith("enc_01_att_key:") && re.test(e.message);
  assert.throws(run({ axis: "F", dims: [4, 2] }), isOurs(/does not split axis/));
  assert.throws(run({ axis: "F", dims: [-1, -1] }), isOurs(/-1 only once/));
  assert.throws(run({ axis: "F", dims: [-1, 4] }), isOurs(/does not split/));
  assert.throws(run({ axis: "T", dims: [3, 1] }), isOurs(/only split a static axis/));
  assert.throws(run({ axis: "F", dims: [0, 6] }), isOurs(/dims/));
  assert.throws(run({ axis: "F" }), isOurs(/dims/));
  assert.throws(run({ axis: "dim:5", dims: [5] }), isOurs(/"axis"/));
});
