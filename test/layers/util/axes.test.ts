import assert from "node:assert/strict";
import { test } from "node:test";
import { permuteIfNeeded, resolveAxes, resolveAxis, zeroPadding } from "../../../src/layers/util/axes.js";
import { batchDim, Data, type Dim, staticDim } from "../../../src/network/data.js";
import { Tensor, tensor } from "../../../src/tensor/tensor.js";
import { ReproError } from "../../../src/util/errors.js";
import { dataOf, timeDimOf } from "../../helpers/layer-harness.js";

const zerosOf = (dims: readonly Dim[]): Data =>
  dataOf(new Float32Array(dims.reduce((n, d) => n * d.size, 1)), dims);

// (B=2, T_enc=3, H=4, k=8): the reference config's split key.
const key = zerosOf([batchDim(2), timeDimOf([3, 2], "T_enc"), staticDim(4), staticDim(8)]);
// (B=2, T_dec loop=5, H=4, k=8): the query inside the rec unit in training.
const query = zerosOf([batchDim(2), timeDimOf([5, 3], "T_dec", true), staticDim(4), staticDim(8)]);
const at = (spec: Parameters<typeof resolveAxes>[1], data = key) => resolveAxes(data, spec, "layer: option");

test("T, B and F name the time, batch and feature axes", () => {
  assert.deepEqual(at("T"), [1]);
  assert.deepEqual(at("B"), [0]);
  assert.deepEqual(at("F"), [3]);
  assert.deepEqual(at("time"), [1]);
  assert.deepEqual(at("batch"), [0]);
  assert.deepEqual(at("feature"), [3]);
});

test("axis names are case-insensitive", () => {
  assert.deepEqual(at("t"), [1]);
  assert.deepEqual(at("f"), [3]);
  assert.deepEqual(at("Static"), [2, 3]);
});

test("T? names the time axis when there is one and nothing otherwise", () => {
  assert.deepEqual(at("T?"), [1]);
  assert.deepEqual(at("T?", query), []);
});

test("the rec loop axis is not a time axis for specs", () => {
  assert.throws(() => at("T", query), ReproError);
  assert.deepEqual(at("dyn", query), []);
  assert.deepEqual(at("*", query), [0, 2, 3]);
  assert.deepEqual(at("spatial", query), [2]);
});

test("integers count axes with batch and without the loop axis; -1 is the last", () => {
  assert.deepEqual(at(-1), [3]);
  assert.deepEqual(at(1), [1]);
  assert.deepEqual(at(-1, query), [3]);
  assert.deepEqual(at(1, query), [2]);
  assert.deepEqual(at(-3, query), [0]);
});

test("static, static:i and dim:N pick static axes", () => {
  assert.deepEqual(at("static"), [2, 3]);
  assert.deepEqual(at("static:0"), [2]);
  assert.deepEqual(at("static:-1"), [3]);
  assert.deepEqual(at("dim:4"), [2]);
  assert.deepEqual(at("dim:8", query), [3]);
});

test("spatial names all axes but batch and feature", () => {
  assert.deepEqual(at("spatial"), [1, 2]);
  assert.deepEqual(at("spatial:1"), [2]);
  assert.deepEqual(at("except_time"), [2, 3]);
  assert.deepEqual(at("except_batch"), [1, 2, 3]);
});

test("lists keep their order and drop duplicates; null and empty name nothing", () => {
  assert.deepEqual(at(["F", "T"]), [3, 1]);
  assert.deepEqual(at(["T", 1, "dim:4"]), [1, 2]);
  assert.deepEqual(at("bt"), [0, 1]);
  assert.deepEqual(at(null), []);
  assert.deepEqual(at(""), []);
  assert.deepEqual(at([]), []);
});

test("a missing axis is a ReproError naming where and the data", () => {
  assert.throws(
    () => resolveAxes(query, "T", 'output/dot: option "var1"'),
    (e: Error) =>
      e instanceof ReproError &&
      e.message.startsWith('output/dot: option "var1": axis "T" not found') &&
      !e.message.includes("\n"),
  );
  assert.throws(() => at("dim:5"), /no static axis has size 5/);
  assert.throws(() => at("static:2"), /only 2 static axes/);
  assert.throws(() => at(4), ReproError);
  assert.throws(() => at("colour"), /unknown axis name/);
  const sparse = new Data(new Tensor([2, 3], new Int32Array(6)), [batchDim(2), timeDimOf([3, 1])], 5);
  assert.throws(() => at("F", sparse), /sparse data has no feature axis/);
});

test("resolveAxis needs exactly one axis", () => {
  assert.equal(resolveAxis(key, "dim:4", "l"), 2);
  assert.throws(() => resolveAxis(key, "static", "l"), /must name exactly one axis .* got 2 axes/);
  assert.throws(() => resolveAxis(query, "T?", "l"), /got no axis/);
});

test("zeroPadding replaces padded frames (NaN included) of every time axis, loop axis included, by 0", () => {
  const T = timeDimOf([1, 2], "T");
  const L = timeDimOf([1, 2], "L", true);
  // b0: time frame 1 and loop step 1 are padded.
  const x = dataOf([1, Number.NaN, 2, Number.NaN, 4, 5, 6, 7], [batchDim(2), L, T]);
  assert.deepEqual(Array.from(zeroPadding(x).data), [1, 0, 0, 0, 4, 5, 6, 7]);
  const full = dataOf([1, 2], [batchDim(1), timeDimOf([2])]);
  assert.equal(zeroPadding(full), full.value);
});

test("permuteIfNeeded skips the identity permutation", () => {
  const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  assert.equal(permuteIfNeeded(x, [0, 1]), x);
  assert.deepEqual(Array.from(permuteIfNeeded(x, [1, 0]).data), [1, 4, 2, 5, 3, 6]);
});
