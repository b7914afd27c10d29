import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/length.js";
import { ReproError } from "../../src/util/errors.js";
import { randDense, runLayer } from "../helpers/layer-harness.js";

// nograd layer:length — its output is int32 sequence lengths: nothing to differentiate.
test("length gives the time axis' sequence lengths as int32 [B]", () => {
  const y = runLayer("length", {}, [randDense([3, 4, 2], [4, 1, 3], 1)]);
  assert.equal(y.value.dtype, "int32");
  assert.deepEqual(Array.from(y.value.i32), [4, 1, 3]);
});

test("a static axis has no lengths: an error", () => {
  assert.throws(
    () => runLayer("length", { axis: "F" }, [randDense([1, 2, 2], [2], 2)]),
    (e) => e instanceof ReproError && /no sequence lengths/.test(e.message),
  );
});
