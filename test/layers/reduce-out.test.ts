import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/reduce-out.js";
import { layerGradCheck, randDense, runLayer } from "../helpers/layer-harness.js";

test("reduce_out max (maxout) reduces consecutive groups of num_pieces on the feature axis", () => {
  const x = randDense([2, 3, 6], [3, 2], 1);
  const y = runLayer("reduce_out", { mode: "max", num_pieces: 2 }, [x]);
  assert.deepEqual(y.value.shape, [2, 3, 3]);
  const v = x.value.f32;
  for (let i = 0; i < 2 * 3 * 3; i++) assert.equal(y.value.f32[i], Math.max(v[2 * i], v[2 * i + 1]));
  const s = runLayer("reduce_out", { mode: "sum", num_pieces: 3 }, [x]);
  assert.ok(Math.abs(s.value.f32[0] - (v[0] + v[1] + v[2])) < 1e-6);
});

test("reduce_out gradients pass central differences", () => {
  for (const mode of ["max", "sum", "mean"])
    layerGradCheck(
      (d) => runLayer("reduce_out", { mode, num_pieces: 2 }, [d]),
      [randDense([2, 2, 4], [2, 1], 2)],
    );
});

test("reduce_out needs a feature dim divisible by num_pieces", () => {
  assert.throws(
    () => runLayer("reduce_out", { mode: "max", num_pieces: 4 }, [randDense([1, 1, 6], [1], 3)]),
    /feature dim 6 is not a multiple of num_pieces 4/,
  );
});
