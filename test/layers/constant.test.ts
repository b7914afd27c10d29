import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/combine.js";
import "../../src/layers/constant.js";
import { ReproError } from "../../src/util/errors.js";
import {
  assertClose,
  layerGradCheck,
  layerOptions,
  maskingCheck,
  randDense,
  runLayer,
} from "../helpers/layer-harness.js";

test("constant is a scalar with dims [] (no batch axis)", () => {
  const y = runLayer("constant", { value: 2.5 }, []);
  assert.deepEqual(y.dims, []);
  assert.deepEqual(y.value.shape, []);
  assert.equal(y.value.item(), 2.5);
});

test("constant value defaults to 0; booleans are 0/1", () => {
  assert.equal(runLayer("constant", {}, []).value.item(), 0);
  assert.equal(runLayer("constant", { value: true }, []).value.item(), 1);
});

test("constant takes no sources", () => {
  assert.throws(() => runLayer("constant", { value: 1 }, [randDense([1, 1, 1], [1], 1)]), ReproError);
});

test("constant: value must be a number", () => {
  assert.throws(() => layerOptions("constant", { value: "1" }), /value/);
});

test("constant broadcasts in combine; the gradient flows to the other source only", () => {
  const c = runLayer("constant", { value: 3 }, []);
  const x = randDense([2, 2, 2], [2, 1], 1);
  assertClose(
    runLayer("combine", { kind: "mul" }, [x, c]).value,
    Array.from(x.value.f32, (v) => v * 3),
  );
  layerGradCheck(
    (d) => runLayer("combine", { kind: "mul" }, [d, runLayer("constant", { value: 3 }, [])]),
    [x],
  );
  maskingCheck(
    (d) => runLayer("combine", { kind: "add" }, [d, runLayer("constant", { value: 3 }, [])]),
    randDense([2, 3, 2], [3, 1], 2),
  );
});
