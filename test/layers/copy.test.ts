import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/copy.js";
import { Data, staticDim } from "../../src/network/data.js";
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

test("copy of one source returns that very Data (a provable no-op)", () => {
  const x = randDense([2, 3, 2], [3, 2], 1);
  assert.equal(runLayer("copy", {}, [x]), x);
  const s = sparseData([[1, 2]], 3);
  assert.equal(runLayer("copy", {}, [s]), s);
});

test("copy of several sources concatenates them on the feature axis", () => {
  const a = denseData([1, 2, 3, 4], [1, 2, 2], [2]);
  const b = denseData([5, 6], [1, 2, 1], [2], [a.dims[0], a.dims[1], staticDim(1)]);
  const y = runLayer("copy", {}, [a, b]);
  assert.deepEqual(y.value.shape, [1, 2, 3]);
  assertClose(y.value, [1, 2, 5, 3, 4, 6]);
  assert.equal(y.dims[1], a.dims[1]);
  assert.equal(y.dims[2].size, 3);
});

test("copy gradient check (one and several sources)", () => {
  const a = randDense([2, 2, 2], [2, 1], 2);
  layerGradCheck((d) => runLayer("copy", {}, [d]), [a]);
  const b = new Data(randDense([2, 2, 3], [2, 1], 3).value, [a.dims[0], a.dims[1], staticDim(3)]);
  layerGradCheck((x, y) => runLayer("copy", {}, [x, y]), [a, b]);
});

test("copy: padded frames never change valid frames", () => {
  const a = randDense([2, 3, 2], [3, 1], 4);
  const b = denseData(
    randDense([2, 3, 1], [3, 1], 5).value.f32,
    [2, 3, 1],
    [3, 1],
    [a.dims[0], a.dims[1], staticDim(1)],
  );
  maskingCheck((x, y) => runLayer("copy", {}, [x, y]), [a, b]);
});

test("copy: concatenating sources with different time dims is an error", () => {
  assert.throws(
    () => runLayer("copy", {}, [randDense([1, 2, 2], [2], 1), randDense([1, 2, 2], [2], 2)]),
    ReproError,
  );
});

test("copy: concatenating a sparse source is an error", () => {
  assert.throws(() => runLayer("copy", {}, [sparseData([[1]], 2), randDense([1, 1, 2], [1], 2)]), /sparse/);
});
