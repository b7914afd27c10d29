import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/expand-dims.js";
import { layerGradCheck, randDense, runLayer, sparseData } from "../helpers/layer-harness.js";

test('axis "F" appends a size-1 axis after the feature axis', () => {
  const y = runLayer("expand_dims", { axis: "F" }, [randDense([2, 3, 4], [3, 2], 1)]);
  assert.deepEqual(y.value.shape, [2, 3, 4, 1]);
});

test('axis "spatial" goes before the feature axis of dense data, at the end of sparse data', () => {
  const x = randDense([2, 3, 4], [3, 2], 2);
  assert.deepEqual(runLayer("expand_dims", { axis: "spatial" }, [x]).value.shape, [2, 3, 1, 4]);
  assert.deepEqual(
    runLayer("expand_dims", { axis: "T" }, [sparseData([[1, 2], [3]], 5)]).value.shape,
    [2, 2, 1],
  );
});

test("dim > 1 repeats the values along the new axis", () => {
  const x = randDense([1, 2, 2], [2], 3);
  const y = runLayer("expand_dims", { axis: 1, dim: 2 }, [x]);
  assert.deepEqual(y.value.shape, [1, 2, 2, 2]);
  const v = Array.from(x.value.f32);
  assert.deepEqual(Array.from(y.value.f32), [...v, ...v]);
});

test("expand_dims passes gradients through (repeated values sum), checked by central differences", () => {
  layerGradCheck(
    (x) => runLayer("expand_dims", { axis: "spatial", dim: 3 }, [x]),
    [randDense([2, 3, 4], [3, 2], 4)],
    [],
    {
      atol: 1e-3,
      rtol: 1e-3,
    },
  );
});
