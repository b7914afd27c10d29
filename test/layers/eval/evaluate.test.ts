import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluate } from "../../../src/layers/eval/evaluate.js";
import { isTagged, type Value } from "../../../src/layers/eval/values.js";
import type { Tagged } from "../../../src/layers/util/align.js";
import { batchDim, type Data, staticDim } from "../../../src/network/data.js";
import { mul } from "../../../src/tensor/ops/index.js";
import { ReproError } from "../../../src/util/errors.js";
import { assertClose, dataOf, sparseData, timeDimOf } from "../../helpers/layer-harness.js";

const B = batchDim(2);
const T = timeDimOf([3, 1]);
const F = staticDim(2);
/** [B=2, T=3 (lengths 3, 1), F=2]; padded frames hold 1000. */
const x = (): Data => dataOf([1, 2, 3, 4, 5, 6, 7, 8, 1000, 1000, 1000, 1000], [B, T, F]);

function tensorOf(v: Value): Tagged {
  assert.ok(isTagged(v), "expected a tensor value");
  return v;
}
const ev = (expr: string, sources: Data[] = [x()]) => evaluate(expr, sources, "L");

test("number arithmetic stays in numbers (Python semantics)", () => {
  assert.equal(ev("2 * 3 + 1"), 7);
  assert.equal(ev("-2 ** 2"), -4);
  assert.equal(ev("2 ** -1"), 0.5);
  assert.equal(ev("7 / 2"), 3.5);
  assert.equal(ev("1 < 2"), true);
  assert.equal(ev("True"), true);
});

test("source(i) is the i-th input with its dims; keyword args are accepted", () => {
  const d = x();
  for (const expr of [
    "source(0)",
    "source(0, auto_convert=False)",
    "source(0, as_data=False)",
    "source(0, True)",
  ]) {
    const v = tensorOf(evaluate(expr, [d], "L"));
    assert.equal(v.value, d.value);
    assert.equal(v.dims, d.dims);
  }
});

test("source(0) * 5.65 is bitwise mul(source, 5.65)", () => {
  const d = x();
  const v = tensorOf(evaluate("source(0) * 5.656854249492381", [d], "L"));
  assert.deepEqual(Array.from(v.value.f32), Array.from(mul(d.value, 5.656854249492381).f32));
  const w = tensorOf(evaluate("5.656854249492381 * source(0)", [d], "L"));
  assert.deepEqual(Array.from(w.value.f32), Array.from(mul(d.value, 5.656854249492381).f32));
});

test("reduce_sum without axis sums the valid frames into a scalar with dims []", () => {
  const v = tensorOf(ev("reduce_sum(source(0))"));
  assert.deepEqual(v.dims, []);
  assert.deepEqual(v.value.shape, []);
  assert.equal(v.value.item(), 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8);
});

test("tf., tf.math. and tf.nn. prefixes name the same functions", () => {
  for (const f of ["reduce_sum", "tf.reduce_sum", "tf.math.reduce_sum"])
    assert.equal(tensorOf(ev(`${f}(source(0))`)).value.item(), 36);
  assertClose(tensorOf(ev("tf.nn.relu(source(0) - 4)")).value.f32.subarray(0, 6), [0, 0, 0, 0, 1, 2]);
});

test("reductions over time respect sequence lengths", () => {
  const sum = tensorOf(ev("reduce_sum(source(0), axis=1)"));
  assert.deepEqual(sum.dims, [B, F]);
  assertClose(sum.value, [9, 12, 7, 8]);
  assertClose(tensorOf(ev("reduce_mean(source(0), axis=1)")).value, [3, 4, 7, 8]);
  assertClose(tensorOf(ev("reduce_max(source(0), axis=1)")).value, [5, 6, 7, 8]);
  assertClose(tensorOf(ev("reduce_min(-source(0), axis=1)")).value, [-5, -6, -7, -8]);
  assertClose(tensorOf(ev("reduce_mean(source(0))")).value, [36 / 8]);
});

test("reductions over the feature axis keep batch and time", () => {
  const v = tensorOf(ev("reduce_sum(source(0), axis=-1)"));
  assert.deepEqual(v.dims, [B, T]);
  assertClose(v.value.f32.subarray(0, 4), [3, 7, 11, 15]);
  const k = tensorOf(ev("tf.reduce_sum(source(0), axis=2, keepdims=True)"));
  assert.deepEqual(k.value.shape, [2, 3, 1]);
  assert.equal(k.dims[1], T);
  assert.deepEqual(tensorOf(ev("reduce_sum(source(0), axis=[1, 2])")).value.toArray(), [21, 15]);
});

test("softmax over a time axis ignores frames beyond the sequence end", () => {
  const v = tensorOf(ev("softmax(source(0), axis=1)"));
  assert.ok(v.dims[0] === B && v.dims[1] === T && v.dims[2] === F);
  assert.deepEqual(Array.from(v.value.f32.subarray(6, 12)), [1, 1, 0, 0, 0, 0]);
});

test("softmax and log_softmax default to the last axis", () => {
  const e = Math.exp(1);
  assertClose(tensorOf(ev("softmax(source(0))")).value.f32.subarray(0, 2), [1 / (1 + e), e / (1 + e)]);
  assertClose(tensorOf(ev("tf.nn.log_softmax(source(0))")).value.f32.subarray(0, 2), [
    -Math.log(1 + e),
    1 - Math.log(1 + e),
  ]);
});

test("element-wise functions, comparisons, minimum/maximum and where", () => {
  const first = (expr: string) => Array.from(tensorOf(ev(expr)).value.f32.subarray(0, 4));
  assertClose(first("exp(source(0))"), [1, 2, 3, 4].map(Math.exp));
  assertClose(first("tf.math.log(source(0))"), [1, 2, 3, 4].map(Math.log));
  assertClose(first("sqrt(source(0))"), [1, 2, 3, 4].map(Math.sqrt));
  assertClose(
    first("rsqrt(source(0))"),
    [1, 2, 3, 4].map((v) => 1 / Math.sqrt(v)),
  );
  assertClose(first("square(source(0)) - abs(-source(0))"), [0, 2, 6, 12]);
  assertClose(
    first("tanh(source(0)) + sigmoid(source(0))"),
    [1, 2, 3, 4].map((v) => Math.tanh(v) + 1 / (1 + Math.exp(-v))),
  );
  assertClose(first("source(0) ** 2 / 2"), [0.5, 2, 4.5, 8]);
  assertClose(first("source(0) > 2"), [0, 0, 1, 1]);
  assertClose(first("source(0) == 2"), [0, 1, 0, 0]);
  assertClose(first("minimum(source(0), 2) + maximum(source(0), 3)"), [4, 5, 5, 6]);
  assertClose(first("tf.clip_by_value(source(0), 1.5, 3.0)"), [1.5, 2, 3, 3]);
  assertClose(first("clip_by_value(source(0), clip_value_min=2, clip_value_max=2.5)"), [2, 2, 2.5, 2.5]);
  assertClose(first("where(source(0) >= 3, source(0), 0.0)"), [0, 0, 3, 4]);
  assertClose(first("stop_gradient(source(0)) + identity(source(0))"), [2, 4, 6, 8]);
});

test("two sources broadcast by aligning their dims", () => {
  const bias = dataOf([10, 20, 30, 40], [B, F]);
  const v = tensorOf(evaluate("source(0) + source(1)", [x(), bias], "L"));
  assertClose(v.value.f32.subarray(0, 4), [11, 22, 13, 24]);
  assert.equal(v.dims[1], T);
});

test("a sparse source is used by value, as float", () => {
  const v = tensorOf(evaluate("source(0) * 2", [sparseData([[1, 2], [3]], 5)], "L"));
  assert.equal(v.value.dtype, "float32");
  assertClose(v.value.f32.subarray(0, 3), [2, 4, 6]);
});

function evalError(expr: string, pattern: RegExp, sources: Data[] = [x()]): void {
  assert.throws(
    () => evaluate(expr, sources, "output/dec_01_weight_loss"),
    (e: unknown) =>
      e instanceof ReproError &&
      e.message.startsWith("output/dec_01_weight_loss: ") &&
      pattern.test(e.message),
    expr,
  );
}

test("an unsupported function is an error naming it, with a hint", () => {
  evalError("reduce_summ(source(0))", /unsupported function "reduce_summ" \(did you mean "reduce_sum"\?\)/);
  evalError("tf.einsum(source(0))", /unsupported function "tf.einsum"/);
  evalError("tf.linalg.inv(source(0))", /unsupported function "tf.linalg.inv"/);
  evalError("__import__(source(0))", /unsupported function "__import__"/);
});

test("argument errors: unknown keyword, too many, missing, bad axis, bad source index", () => {
  evalError(
    "reduce_sum(source(0), axes=1)",
    /reduce_sum\(\) has no argument "axes" \(did you mean "axis"\?\)/,
  );
  evalError("exp(source(0), 1)", /exp\(\) takes at most 1 arguments/);
  evalError("where(source(0), 1)", /needs argument "y"/);
  evalError("reduce_sum(source(0), axis=3)", /axis 3 is out of range/);
  evalError("source(2)", /source\(2\) but the layer has 1 source/);
  evalError("source(0) + x", /unknown name "x"/);
  evalError("source(0) +", /end of expression \(column 12\)/);
  evalError("source(0, foo=1)", /source\(\) has no argument "foo"/);
});

test("tensors of unrelated dims cannot be combined", () => {
  evalError("source(0) + source(1)", /cannot align/, [x(), dataOf([1, 2, 3, 4, 5, 6], [B, staticDim(3)])]);
});
