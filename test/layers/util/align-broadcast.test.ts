/** concatFeatures broadcasts a source with fewer axes (a loop-invariant [B, F]) over the others' axes. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { concatFeatures } from "../../../src/layers/util/align.js";
import { batchDim, staticDim } from "../../../src/network/data.js";
import { dataOf, randDense, timeDimOf } from "../../helpers/layer-harness.js";

test("a [B, F] source is tiled over the time axis of a [B, T, F] source when concatenating features", () => {
  const perStep = randDense([2, 3, 2], [3, 1], 1);
  const invariant = dataOf([10, 20, 30, 40], [perStep.dims[0], staticDim(2)]);
  const y = concatFeatures([perStep, invariant], "x");
  assert.deepEqual(y.value.shape, [2, 3, 4]);
  assert.equal(y.dims[1], perStep.dims[1]);
  for (let b = 0; b < 2; b++)
    for (let t = 0; t < 3; t++) {
      const row = Array.from(y.value.f32.subarray((b * 3 + t) * 4, (b * 3 + t + 1) * 4));
      assert.deepEqual(row.slice(2), [10 + 20 * b, 20 + 20 * b]);
    }
});

test("sources whose axes do not match stay an error", () => {
  const a = randDense([2, 3, 2], [3, 1], 1);
  const b = dataOf(new Float32Array(2 * 2 * 2), [batchDim(2), timeDimOf([2, 2], "other"), staticDim(2)]);
  assert.throws(() => concatFeatures([a, b], "x"), /cannot concatenate sources/);
});
