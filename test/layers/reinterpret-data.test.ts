import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/reinterpret-data.js";
import { batchDim, Data, staticDim } from "../../src/network/data.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { layerGradCheck, randDense, runLayer, sparseData, timeDimOf } from "../helpers/layer-harness.js";

test("reinterpret_data changes the sparse dim without touching the values", () => {
  const x = sparseData([[1, 2], [3]], 5);
  const y = runLayer("reinterpret_data", { increase_sparse_dim: 1 }, [x]);
  assert.equal(y.sparseDim, 6);
  assert.equal(y.value, x.value);
  assert.equal(runLayer("reinterpret_data", { set_sparse_dim: 9 }, [x]).sparseDim, 9);
  const dense = runLayer("reinterpret_data", { set_sparse: false }, [x]);
  assert.equal(dense.sparse, false);
  assert.deepEqual(Array.from(dense.value.f32), Array.from(x.value.i32));
});

test("reinterpret_data size_base takes the other layer's time dim (its sequence lengths)", () => {
  const x = randDense([2, 3, 4], [3, 3], 1);
  const other = new Data(new Tensor([2, 3, 1], new Float32Array(6)), [
    batchDim(2),
    timeDimOf([3, 1], "T2"),
    staticDim(1),
  ]);
  const y = runLayer("reinterpret_data", { size_base: "other", enforce_batch_major: true }, [x], {
    resolve: () => other,
  });
  assert.equal(y.dims[1], other.dims[1]);
  assert.deepEqual(Array.from(y.dims[1].lengths!), [3, 1]);
});

test("reinterpret_data: unsupported options are errors", () => {
  const x = sparseData([[1]], 5);
  assert.throws(
    () => runLayer("reinterpret_data", { set_axes: { T: "F" } }, [x]),
    /"set_axes" of reinterpret_data is not supported/,
  );
  assert.throws(
    () => runLayer("reinterpret_data", { set_sparse_dim: 3 }, [randDense([1, 1, 2], [1], 1)]),
    /needs sparse data/,
  );
});

test("reinterpret_data passes gradients through unchanged (central differences)", () => {
  layerGradCheck(
    (x) => runLayer("reinterpret_data", { enforce_batch_major: true }, [x]),
    [randDense([2, 3, 4], [3, 2], 5)],
  );
});
