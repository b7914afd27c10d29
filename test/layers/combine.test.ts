import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/combine.js";
import { batchDim, staticDim } from "../../src/network/data.js";
import { ReproError } from "../../src/util/errors.js";
import {
  assertClose,
  dataOf,
  denseData,
  layerGradCheck,
  maskingCheck,
  randDense,
  runLayer,
  sparseData,
  timeDimOf,
} from "../helpers/layer-harness.js";

const B = batchDim(1);
const T = timeDimOf([2]);
const F = staticDim(2);
const a = () => dataOf([1, 2, 3, 4], [B, T, F]);
const b = () => dataOf([10, 20, 30, 40], [B, T, F]);

test("combine add, sub, mul and average work element-wise", () => {
  assertClose(runLayer("combine", { kind: "add" }, [a(), b()]).value, [11, 22, 33, 44]);
  assertClose(runLayer("combine", { kind: "sub" }, [a(), b()]).value, [-9, -18, -27, -36]);
  assertClose(runLayer("combine", { kind: "mul" }, [a(), b()]).value, [10, 40, 90, 160]);
  assertClose(runLayer("combine", { kind: "average" }, [a(), b(), b()]).value, [7, 14, 21, 28]);
});

test("combine keeps the sources' dims", () => {
  const x = a();
  const y = runLayer("combine", { kind: "add" }, [x, b()]);
  assert.deepEqual(y.dims, x.dims);
});

test("combine broadcasts a [B, F] source over the time axis of a [B, T, F] source, in either order", () => {
  const bias = dataOf([100, 200], [B, F]);
  const y1 = runLayer("combine", { kind: "add" }, [a(), bias]);
  const y2 = runLayer("combine", { kind: "add" }, [bias, a()]);
  assertClose(y1.value, [101, 202, 103, 204]);
  assertClose(y2.value, [101, 202, 103, 204]);
  assert.equal(y2.dims[1], T);
});

test("combine aligns transposed sources by their dims", () => {
  const ft = dataOf([10, 30, 20, 40], [B, F, T]); // (B, F, T): element [0, f, t]
  const y = runLayer("combine", { kind: "add" }, [a(), ft]);
  assert.deepEqual(y.dims, [B, T, F]);
  assertClose(y.value, [11, 22, 33, 44]);
});

test("combine matches equal-sized static dims from the right (the feature axis is last)", () => {
  const x = dataOf([1, 2, 3, 4], [B, staticDim(2), staticDim(2)]);
  const y = runLayer("combine", { kind: "add" }, [x, dataOf([10, 20], [B, staticDim(2)])]);
  assertClose(y.value, [11, 22, 13, 24]);
});

test("combine broadcasts a scalar (dims []) against anything", () => {
  const c = dataOf([5], []);
  assertClose(runLayer("combine", { kind: "mul" }, [a(), c]).value, [5, 10, 15, 20]);
});

test("combine never aligns different time dims (identity, not size)", () => {
  const other = dataOf([1, 2, 3, 4], [B, timeDimOf([2]), F]);
  assert.throws(
    () => runLayer("combine", { kind: "add" }, [a(), other], { path: "c" }),
    (e: unknown) => e instanceof ReproError && /^c: cannot align/.test(e.message),
  );
});

test("combine rejects static dims of different sizes", () => {
  assert.throws(
    () => runLayer("combine", { kind: "add" }, [a(), dataOf([1, 2, 3], [B, staticDim(3)])]),
    /cannot align/,
  );
});

test("combine kind eval evaluates the expression over the sources", () => {
  const y = runLayer("combine", { kind: "eval", eval: "source(0) + 2 * source(1)" }, [a(), b()]);
  assertClose(y.value, [21, 42, 63, 84]);
});

test("combine applies its activation", () => {
  const y = runLayer("combine", { kind: "sub", activation: "relu" }, [
    b(),
    dataOf([15, 15, 15, 15], [B, T, F]),
  ]);
  assertClose(y.value, [0, 5, 15, 25]);
});

test("combine gradient check (add, sub, mul, average, with broadcasting)", () => {
  const x = randDense([2, 3, 2], [3, 2], 1);
  const bias = dataOf(randDense([2, 1, 2], [1, 1], 2).value.f32, [x.dims[0], x.dims[2]]);
  for (const kind of ["add", "sub", "mul", "average"]) {
    layerGradCheck((p, q) => runLayer("combine", { kind }, [p, q]), [x, bias]);
  }
  const y = denseData(randDense([2, 3, 2], [3, 2], 3).value.f32, [2, 3, 2], [3, 2], x.dims);
  layerGradCheck(
    (p, q) => runLayer("combine", { kind: "eval", eval: "source(0) * source(1) - source(1)" }, [p, q]),
    [x, y],
  );
});

test("combine: padded frames never change valid frames", () => {
  const x = randDense([2, 3, 2], [3, 1], 4);
  const y = denseData(randDense([2, 3, 2], [3, 1], 5).value.f32, [2, 3, 2], [3, 1], x.dims);
  for (const kind of ["add", "sub", "mul", "average"])
    maskingCheck((p, q) => runLayer("combine", { kind }, [p, q]), [x, y]);
});

test("combine: unknown kind is an error with a hint", () => {
  assert.throws(
    () => runLayer("combine", { kind: "ad" }, [a(), b()]),
    (e: unknown) =>
      e instanceof ReproError && /unknown combine kind "ad" \(did you mean "add"\?\)/.test(e.message),
  );
});

test("combine: eval option errors and sub arity", () => {
  assert.throws(() => runLayer("combine", { kind: "eval" }, [a()]), /"eval" is required/);
  assert.throws(
    () => runLayer("combine", { kind: "add", eval: "source(0)" }, [a()]),
    /only valid with kind "eval"/,
  );
  assert.throws(() => runLayer("combine", { kind: "sub" }, [a(), b(), b()]), /exactly 2 sources/);
  assert.throws(() => runLayer("combine", { kind: "add" }, [sparseData([[1, 2]], 3), a()]), /sparse/);
});
