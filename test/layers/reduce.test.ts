import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/reduce.js";
import { batchDim, staticDim } from "../../src/network/data.js";
import { ReproError } from "../../src/util/errors.js";
import {
  closeTo as close,
  dataOf,
  layerGradCheck,
  maskingCheck,
  randData as rand,
  runLayer,
  timeDimOf,
} from "../helpers/layer-harness.js";

const B = batchDim(2);
const T = timeDimOf([3, 1], "T");
// (B=2, T=3 with lengths 3 and 1, F=2); the padded frames of entry 1 hold 1e6 and NaN.
const x = () => dataOf([1, 2, 3, 4, 5, 0, 7, -8, 1e6, Number.NaN, Number.NaN, 1e6], [B, T, staticDim(2)]);
const reduceT = (mode: string) => Array.from(runLayer("reduce", { mode, axes: "T" }, [x()]).value.data);
const MODES = ["sum", "mean", "max", "min", "logsumexp"];

test("sum over T ignores padded frames", () => {
  assert.deepEqual(reduceT("sum"), [9, 6, 7, -8]);
});

test("mean over T divides by each sequence's length", () => {
  assert.deepEqual(reduceT("mean"), [3, 2, 7, -8]);
});

test("max and min over T ignore padded frames", () => {
  assert.deepEqual(reduceT("max"), [5, 4, 7, -8]);
  assert.deepEqual(reduceT("min"), [1, 0, 7, -8]);
});

test("logsumexp over T ignores padded frames", () => {
  const y = reduceT("logsumexp");
  close(y[0], Math.log(Math.exp(1) + Math.exp(3) + Math.exp(5)));
  close(y[1], Math.log(Math.exp(2) + Math.exp(4) + Math.exp(0)));
  close(y[2], 7);
  close(y[3], -8);
});

test("reducing the feature axis keeps the time axis and its dim", () => {
  const d = x();
  const y = runLayer("reduce", { mode: "sum", axes: "F" }, [d]);
  assert.deepEqual(y.dims, [d.dims[0], T]);
  assert.deepEqual(Array.from(y.value.data).slice(0, 4), [3, 7, 5, -1]);
});

test("keep_dims keeps reduced axes as size-1 static axes", () => {
  const y = runLayer("reduce", { mode: "max", axes: "T", keep_dims: true }, [x()]);
  assert.deepEqual(y.value.shape, [2, 1, 2]);
  assert.deepEqual(
    y.dims.map((d) => d.kind),
    ["batch", "static", "static"],
  );
});

test("mean over T and F divides by length × features; `axis` is an alias of `axes`", () => {
  const y = runLayer("reduce", { mode: "mean", axis: ["T", "F"] }, [x()]);
  assert.deepEqual(Array.from(y.value.data), [15 / 6, -1 / 2]);
});

test("in the rec loop layout T is the time axis, never the loop axis", () => {
  const L = timeDimOf([2, 1], "T_dec", true);
  const d = rand([B, L, T, staticDim(2)], 1);
  const y = runLayer("reduce", { mode: "sum", axes: "T" }, [d]);
  assert.deepEqual(y.dims, [d.dims[0], L, d.dims[3]]);
});

test("every mode passes a finite-difference gradient check", () => {
  for (const mode of MODES) {
    layerGradCheck(
      (d) => runLayer("reduce", { mode, axes: ["T", "F"] }, [d]),
      [rand([B, T, staticDim(2)], 2)],
    );
    layerGradCheck((d) => runLayer("reduce", { mode, axes: "T" }, [d]), [rand([B, T, staticDim(2)], 3)]);
  }
});

test("in every mode padded frames reach no valid output or gradient", () => {
  for (const mode of MODES) {
    maskingCheck((d) => runLayer("reduce", { mode, axes: "T" }, [d]), rand([B, T, staticDim(2)], 4));
    maskingCheck((d) => runLayer("reduce", { mode, axes: "F" }, [d]), rand([B, T, staticDim(2)], 5));
  }
});

test("option errors name the layer", () => {
  const isOurs = (re: RegExp) => (e: Error) =>
    e instanceof ReproError && e.message.startsWith("r:") && re.test(e.message);
  const run = (opts: Record<string, unknown>) => () => runLayer("reduce", opts, [x()], { path: "r" });
  assert.throws(run({ mode: "sum" }), isOurs(/"axes" is required/));
  assert.throws(run({ mode: "sum", axes: "T", axis: "F" }), isOurs(/either/));
  assert.throws(run({ mode: "sum", axes: "B" }), isOurs(/batch axis/));
  const noTime = rand([B, staticDim(2)], 6);
  assert.throws(
    () => runLayer("reduce", { mode: "sum", axes: "T?" }, [noTime], { path: "r" }),
    isOurs(/name no axis/),
  );
  assert.throws(run({ mode: "median", axes: "T" }), isOurs(/mode/));
});
