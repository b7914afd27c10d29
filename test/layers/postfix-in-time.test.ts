import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/postfix-in-time.js";
import { ReproError } from "../../src/util/errors.js";
import { randDense, runLayer, sparseData } from "../helpers/layer-harness.js";

// nograd layer:postfix_in_time — it supports sparse (int32 label) input only: nothing to differentiate.

test("postfix_in_time appends the postfix label after each sequence's end (lengths + 1; padding holds it too)", () => {
  const x = sparseData([[1, 0, 1], [0]], 2);
  const y = runLayer("postfix_in_time", { postfix: 2 }, [x]);
  assert.deepEqual(y.value.shape, [2, 4]);
  assert.deepEqual(Array.from(y.value.i32), [1, 0, 1, 2, 0, 2, 2, 2]);
  assert.deepEqual(Array.from(y.dims[1].lengths!), [4, 2]);
  assert.equal(y.sparseDim, 2);
});

test("postfix_in_time repeat appends the postfix that many times", () => {
  const y = runLayer("postfix_in_time", { postfix: 5, repeat: 2 }, [sparseData([[1], [3, 4]], 6)]);
  assert.deepEqual(Array.from(y.value.i32), [1, 5, 5, 5, 3, 4, 5, 5]);
  assert.deepEqual(Array.from(y.dims[1].lengths!), [3, 4]);
});

test("postfix_in_time on dense input is an error naming the layer", () => {
  assert.throws(
    () => runLayer("postfix_in_time", { postfix: 0 }, [randDense([1, 2, 3], [2], 1)]),
    (e: unknown) =>
      e instanceof ReproError &&
      /"?layer"?.*postfix_in_time supports sparse \[batch, time\] input only/.test(e.message),
  );
});
