import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/window.js";
import type { Data } from "../../src/network/data.js";
import { ReproError } from "../../src/util/errors.js";
import { denseData, layerGradCheck, maskingCheck, randDense, runLayer } from "../helpers/layer-harness.js";

test('"same" window 3 adds the window axis after T, zero-padded at both ends', () => {
  const y = runLayer("window", { window_size: 3 }, [denseData([1, 2, 3, 4], [1, 4, 1], [4])]);
  assert.deepEqual(y.value.shape, [1, 4, 3, 1]);
  assert.deepEqual(Array.from(y.value.f32), [0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 0]);
});

test("window_left 2 (window_right 0) looks only into the past; stride keeps every 2nd window", () => {
  const y = runLayer("window", { window_size: 3, window_left: 2, stride: 2 }, [
    denseData([1, 2, 3, 4, 5], [1, 5, 1], [5]),
  ]);
  assert.deepEqual(Array.from(y.value.f32), [0, 0, 1, 1, 2, 3, 3, 4, 5]);
  assert.equal(y.dims[1].lengths![0], 3);
});

test('"valid" windows shorten each sequence by size − 1', () => {
  const y = runLayer("window", { window_size: 2, padding: "valid" }, [randDense([2, 4, 2], [4, 2], 1)]);
  assert.deepEqual(y.value.shape, [2, 3, 2, 2]);
  assert.deepEqual(Array.from(y.dims[1].lengths!), [3, 1]);
});

test("a shorter sequence sees zeros past its end, as if alone", () => {
  const y = runLayer("window", { window_size: 3 }, [denseData([1, 2, 9, 9, 1, 2, 3, 4], [2, 4, 1], [2, 4])]);
  assert.deepEqual(Array.from(y.value.f32.subarray(3, 6)), [1, 2, 0]);
});

test("window passes gradient and masking checks", () => {
  const run = (d: Data) => runLayer("window", { window_size: 3 }, [d]);
  layerGradCheck(run, [randDense([2, 4, 2], [4, 3], 2)]);
  maskingCheck(run, randDense([2, 4, 2], [4, 2], 3));
});

test("inconsistent window sizes are errors", () => {
  assert.throws(
    () =>
      runLayer("window", { window_size: 3, window_left: 1, window_right: 0 }, [randDense([1, 4, 1], [4], 4)]),
    (e) => e instanceof ReproError && /window_size 3/.test(e.message),
  );
});
