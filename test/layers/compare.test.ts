import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/compare.js";
import { batchDim, staticDim } from "../../src/network/data.js";
import { ReproError } from "../../src/util/errors.js";
import {
  assertClose,
  dataOf,
  layerGradCheck,
  maskingCheck,
  randDense,
  runLayer,
  sparseData,
  timeDimOf,
} from "../helpers/layer-harness.js";

const B = batchDim(1);
const T = timeDimOf([4]);
const x = () => dataOf([-1, 0, 1, 2], [B, T]);

test("compare with value: every kind gives float 0/1 with the source's dims", () => {
  const cases: [string, number[]][] = [
    ["equal", [0, 0, 1, 0]],
    ["not_equal", [1, 1, 0, 1]],
    ["less", [1, 1, 0, 0]],
    ["less_equal", [1, 1, 1, 0]],
    ["greater", [0, 0, 0, 1]],
    ["greater_equal", [0, 0, 1, 1]],
  ];
  for (const [kind, want] of cases) {
    const d = x();
    const y = runLayer("compare", { kind, value: 1 }, [d]);
    assert.equal(y.value.dtype, "float32");
    assert.equal(y.sparse, false);
    assert.deepEqual(y.dims, d.dims);
    assert.deepEqual(y.value.toArray(), want, kind);
  }
});

test("compare kind defaults to equal", () => {
  assert.deepEqual(runLayer("compare", { value: 0 }, [x()]).value.toArray(), [0, 1, 0, 0]);
});

test("compare on sparse labels compares by value (the rec unit's end detection)", () => {
  const labels = sparseData([[3, 0, 2], [0]], 4);
  const y = runLayer("compare", { value: 0 }, [labels]);
  assert.deepEqual(y.value.toArray().slice(0, 4), [0, 1, 0, 1]); // the rest is padding
  assert.equal(y.dims[1], labels.dims[1]);
});

test("compare without value compares source(0) with source(1), aligning dims", () => {
  const d = dataOf([1, 5, 3, 4], [B, T]);
  const y = runLayer("compare", { kind: "greater" }, [x(), d]);
  assert.deepEqual(y.value.toArray(), [0, 0, 0, 0]);
  const f = dataOf([1, 2, 3, 4, 5, 6], [B, timeDimOf([3]), staticDim(2)]);
  const thr = dataOf([2, 5], [B, staticDim(2)]);
  assertClose(runLayer("compare", { kind: "less" }, [f, thr]).value, [1, 1, 0, 1, 0, 0]);
});

test("compare has a zero gradient (finite differences agree)", () => {
  layerGradCheck(
    (d) => runLayer("compare", { kind: "greater", value: 0.05 }, [d]),
    [randDense([2, 2, 3], [2, 1], 1)],
  );
});

test("compare: padded frames never change valid frames", () => {
  maskingCheck((d) => runLayer("compare", { kind: "less", value: 0 }, [d]), randDense([2, 3, 2], [3, 1], 2));
  maskingCheck((d) => runLayer("compare", { value: 0 }, [d]), sparseData([[3, 0, 2], [0]], 4));
});

test("compare: unknown kind and wrong number of sources are errors", () => {
  assert.throws(
    () => runLayer("compare", { kind: "equals", value: 0 }, [x()], { path: "output/end" }),
    (e: unknown) =>
      e instanceof ReproError &&
      /^output\/end: unknown compare kind "equals" \(did you mean "equal"\?\)/.test(e.message),
  );
  assert.throws(() => runLayer("compare", { value: 0 }, [x(), x()]), /needs 1 source/);
  assert.throws(() => runLayer("compare", {}, [x()]), /needs 2 sources/);
});
