import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/pool.js";
import { batchDim, type Data, staticDim } from "../../src/network/data.js";
import {
  assertClose,
  dataOf,
  denseData,
  layerGradCheck,
  maskingCheck,
  randDense,
  runLayer,
  timeDimOf,
} from "../helpers/layer-harness.js";

const iota = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);

test('max pool 3 "same" groups a length-7 sequence by the batch length (T_max 9 vs alone)', () => {
  // Values 1..7 (negative copies in the second sequence), one feature.
  const inBatch = denseData([...iota(7), 0, 0, ...iota(9, -9)], [2, 9, 1], [7, 9]);
  const y = runLayer("pool", { mode: "max", pool_size: [3], padding: "same" }, [inBatch]);
  // {0,1,2},{3,4,5},{6,pad,pad}: the last window also sees the zeroed padding.
  assert.deepEqual(Array.from(y.value.f32.subarray(0, 3)), [3, 6, 7]);
  assert.deepEqual(Array.from(y.dims[1].lengths!), [3, 3]);
  assert.deepEqual(Array.from(y.value.f32.subarray(3, 6)), [-7, -4, -1]);
  const alone = runLayer("pool", { mode: "max", pool_size: [3], padding: "same" }, [
    denseData(iota(7, -3), [1, 7, 1], [7]),
  ]);
  // {pad,0,1},{2,3,4},{5,6,pad}: TF's edge padding never wins a max.
  assert.deepEqual(Array.from(alone.value.f32), [-2, 1, 3]);
});

test('avg pool "same" divides by the real frames in each window', () => {
  const y = runLayer("pool", { mode: "avg", pool_size: [3], padding: "same" }, [
    denseData(iota(7), [1, 7, 1], [7]),
  ]);
  assertClose(y.value, [(1 + 2) / 2, (3 + 4 + 5) / 3, (6 + 7) / 2], 1e-6);
});

test('"valid" pooling with the default strides (= pool_size) and per-sequence lengths', () => {
  const y = runLayer("pool", { mode: "max", pool_size: [2] }, [randDense([2, 7, 2], [7, 4], 1)]);
  assert.deepEqual(y.value.shape, [2, 3, 2]);
  assert.deepEqual(Array.from(y.dims[1].lengths!), [3, 2]);
});

test("the 2019 front end: pool (1, 2) over (B, T, 4, C) halves only the feature-spatial axis", () => {
  const x = dataOf(iota(2 * 3 * 4 * 2), [batchDim(2), timeDimOf([3, 2]), staticDim(4), staticDim(2)]);
  const y = runLayer("pool", { mode: "max", pool_size: [1, 2], padding: "same" }, [x]);
  assert.deepEqual(y.value.shape, [2, 3, 2, 2]);
  assert.equal(y.dims[1].lengths![1], 2);
  // First frame: channels (c0, c1) of spatial (0,1) → max → spatial 1.
  assert.deepEqual(Array.from(y.value.f32.subarray(0, 4)), [3, 4, 7, 8]);
});

test("pool size 1 is the identity", () => {
  const x = randDense([2, 4, 3], [4, 4], 2);
  const y = runLayer("pool", { mode: "max", pool_size: [1], padding: "same" }, [x]);
  assert.deepEqual(Array.from(y.value.f32), Array.from(x.value.f32));
});

test("max and avg pooling pass finite-difference gradient checks", () => {
  for (const mode of ["max", "avg"]) {
    layerGradCheck(
      (d) => runLayer("pool", { mode, pool_size: [2], padding: "same", strides: 1 }, [d]),
      [randDense([2, 5, 2], [5, 3], 3)],
    );
  }
});

test("padded frames never reach valid outputs or gradients", () => {
  for (const mode of ["max", "avg"]) {
    const run = (d: Data) => runLayer("pool", { mode, pool_size: [3], padding: "same" }, [d]);
    maskingCheck(run, randDense([2, 6, 2], [6, 4], 4));
  }
});

test('padding is case-insensitive ("SAME", as RETURNN upper-cases it)', () => {
  const x = randDense([1, 5, 2], [5], 5);
  const upper = runLayer("pool", { mode: "max", pool_size: [2], padding: "SAME" }, [x]);
  const lower = runLayer("pool", { mode: "max", pool_size: [2], padding: "same" }, [x]);
  assert.deepEqual(Array.from(upper.value.f32), Array.from(lower.value.f32));
});
