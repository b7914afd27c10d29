import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/slice.js";
import { batchDim, staticDim } from "../../src/network/data.js";
import {
  dataOf,
  denseData,
  layerGradCheck,
  randDense,
  runLayer,
  sparseData,
} from "../helpers/layer-harness.js";

test("slice on F with start, end and step", () => {
  const x = dataOf([0, 1, 2, 3, 4, 5], [batchDim(1), staticDim(6)]);
  const y = runLayer("slice", { axis: "F", slice_start: 1, slice_end: 6, slice_step: 2 }, [x]);
  assert.deepEqual(Array.from(y.value.f32), [1, 3, 5]);
  assert.equal(y.dims[1].size, 3);
});

test("slice on T keeps per-sequence lengths (start 1, step 2)", () => {
  const y = runLayer("slice", { axis: "T", slice_start: 1, slice_step: 2 }, [
    randDense([2, 5, 1], [5, 2], 1),
  ]);
  assert.deepEqual(y.value.shape, [2, 2, 1]);
  assert.deepEqual(Array.from(y.dims[1].lengths!), [2, 1]);
});

test("a negative slice_end on T shortens every sequence", () => {
  const x = denseData([1, 2, 3, 4, 5, 6, 0, 0], [2, 4, 1], [4, 2]);
  const y = runLayer("slice", { axis: "T", slice_end: -1 }, [x]);
  assert.deepEqual(Array.from(y.dims[1].lengths!), [3, 1]);
  assert.deepEqual(Array.from(y.value.f32), [1, 2, 3, 5, 6, 0]);
});

test("a non-negative slice_end on T makes the axis static", () => {
  const y = runLayer("slice", { axis: "T", slice_start: 1, slice_end: 3 }, [randDense([2, 4, 1], [4, 3], 2)]);
  assert.equal(y.dims[1].kind, "static");
  assert.equal(y.dims[1].size, 2);
});

test("sparse labels can be sliced on T", () => {
  const y = runLayer("slice", { axis: "T", slice_start: 1 }, [
    sparseData(
      [
        [1, 2, 3],
        [4, 5],
      ],
      6,
    ),
  ]);
  assert.deepEqual(Array.from(y.value.i32), [2, 3, 5, 0]);
  assert.equal(y.sparseDim, 6);
});

test("slice passes a gradient check", () => {
  layerGradCheck(
    (d) => runLayer("slice", { axis: "F", slice_start: 1 }, [d]),
    [randDense([2, 3, 3], [3, 2], 3)],
  );
});
