import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/eval.js";
import "../../src/layers/linear.js";
import { Data } from "../../src/network/data.js";
import { ParamStore } from "../../src/network/params.js";
import { mul, sum } from "../../src/tensor/ops/index.js";
import { valueAndGrads } from "../../src/tensor/tape.js";
import { tidy } from "../../src/tensor/tensor.js";
import { ReproError } from "../../src/util/errors.js";
import {
  assertClose,
  dataOf,
  layerGradCheck,
  maskingCheck,
  paramTensors,
  randDense,
  runLayer,
  sparseData,
} from "../helpers/layer-harness.js";

const run =
  (expr: string, extra: Record<string, unknown> = {}) =>
  (d: Data) =>
    runLayer("eval", { eval: expr, ...extra }, [d]);

test("eval source(0) * 5.65 is bitwise mul(source, 5.65) and keeps the dims", () => {
  const x = randDense([2, 3, 4], [3, 2], 1);
  const y = run("source(0) * 5.656854249492381")(x);
  assert.deepEqual(Array.from(y.value.f32), Array.from(mul(x.value, 5.656854249492381).f32));
  assert.equal(y.dims, x.dims);
});

test("eval 0.0 * tf.reduce_sum(...) is a scalar 0 with dims [] and no batch axis", () => {
  const x = randDense([2, 3, 4], [3, 2], 1);
  const y = run("0.0 * tf.reduce_sum(source(0, auto_convert=False))")(x);
  assert.deepEqual(y.dims, []);
  assert.ok(y.value.item() === 0);
});

test("eval 0.0 * reduce_sum(source(0)) gives the source's parameters no gradient at all", () => {
  const params = new ParamStore(5);
  const x = randDense([2, 3, 4], [3, 2], 2);
  const net = () => {
    const h = runLayer("linear", { n_out: 3 }, [x], { params, path: "h" });
    return runLayer("eval", { eval: "0.0 * reduce_sum(source(0))" }, [h], { params, path: "loss" });
  };
  tidy(() => net()); // create the parameters
  const ws = paramTensors(params);
  assert.equal(ws.length, 2);
  tidy(() => {
    const { value, grads } = valueAndGrads(() => net().value, ws);
    assert.ok(value.item() === 0);
    assert.deepEqual(grads, [null, null]);
  });
});

test("eval 0.0 * loss stays out of the gradient of a sum with a real loss", () => {
  const params = new ParamStore(5);
  const x = randDense([2, 3, 4], [3, 2], 2);
  const grad = (expr: string) =>
    tidy(() => {
      const h = () => runLayer("linear", { n_out: 3 }, [x], { params, path: "h" });
      h();
      const { grads } = valueAndGrads(
        () => runLayer("eval", { eval: expr }, [h()], { params }).value,
        paramTensors(params),
      );
      return grads.map((g) => Array.from(g!.f32));
    });
  assert.deepEqual(
    grad("reduce_sum(source(0) * source(0)) + 0.0 * reduce_sum(exp(source(0) * 1000.0))"),
    grad("reduce_sum(source(0) * source(0))"),
  );
});

test("eval scalar results may be described by out_type", () => {
  const x = randDense([2, 3, 4], [3, 2], 1);
  for (const outType of [{ shape: [] }, { batch_dim_axis: null, time_dim_axis: null, shape: [] }]) {
    assert.deepEqual(run("reduce_sum(source(0))", { out_type: outType })(x).dims, []);
  }
});

test("eval: a shape change needs out_type", () => {
  const x = randDense([2, 3, 4], [3, 2], 1);
  assert.throws(
    () => runLayer("eval", { eval: "reduce_sum(source(0), axis=-1)" }, [x], { path: "e" }),
    (e: unknown) =>
      e instanceof ReproError &&
      /^e: eval .* changes the shape \(B, T, F:4\) → \(B, T\); describe the result with "out_type"/.test(
        e.message,
      ),
  );
  const y = run("reduce_sum(source(0), axis=-1)", { out_type: { shape: [null] } })(x);
  assert.equal(y.dims[1], x.dims[1]);
  const z = run("reduce_mean(source(0), axis=1)", { out_type: { shape: [4], time_dim_axis: null } })(x);
  assert.deepEqual(z.value.shape, [2, 4]);
});

test("eval: out_type that does not fit the result is an error", () => {
  const x = randDense([2, 3, 4], [3, 2], 1);
  assert.throws(
    () => run("reduce_sum(source(0))", { out_type: { shape: [4] } })(x),
    /out_type shape has 1 axes/,
  );
  assert.throws(() => run("source(0)", { out_type: { shape: [null, 5] } })(x), /does not fit axis F:4/);
  assert.throws(() => run("source(0)", { out_type: { batch_dim_axis: null } })(x), /no batch axis/);
  assert.throws(
    () => run("source(0)", { out_type: { shap: [] } })(x),
    /unknown key "shap" \(did you mean "shape"\?\)/,
  );
});

test("eval over two sources broadcasts them like combine", () => {
  const x = randDense([1, 2, 2], [2], 1);
  const b = dataOf([10, 20], [x.dims[0], x.dims[2]]);
  const y = runLayer("eval", { eval: "source(0) - source(1)" }, [x, b]);
  assertClose(
    y.value,
    Array.from(x.value.f32, (v, i) => v - [10, 20][i % 2]),
  );
});

test("eval on a sparse source compares labels by value", () => {
  const y = runLayer("eval", { eval: "source(0) == 0" }, [sparseData([[0, 2], [1]], 3)]);
  assert.deepEqual(y.value.toArray().slice(0, 3), [1, 0, 0]);
});

test("gradcheck layer:eval over several expressions", () => {
  const x = randDense([2, 3, 2], [3, 2], 3, 0.1, 1);
  const exprs: [string, Record<string, unknown>][] = [
    ["source(0) * 5.65", {}],
    ["tanh(source(0)) * 2 + reduce_mean(source(0), axis=1) - source(0) ** 2 / source(0)", {}],
    ["exp(-source(0)) + log(source(0)) + sqrt(source(0)) + rsqrt(source(0)) + sigmoid(source(0))", {}],
    ["softmax(source(0), axis=1) + log_softmax(source(0))", {}],
    [
      "maximum(source(0), 0.5) * minimum(source(0), 0.5) + where(source(0) > 0.5, square(source(0)), abs(source(0)))",
      {},
    ],
    ["tf.clip_by_value(source(0), 0.3, 0.7) * source(0)", {}],
    ["reduce_sum(source(0))", {}],
    ["reduce_max(source(0), axis=1) + reduce_min(source(0), axis=1)", { out_type: { shape: [2] } }],
    ["reduce_mean(source(0), axis=[1, 2])", { out_type: { shape: [] } }],
  ];
  for (const [expr, extra] of exprs) layerGradCheck(run(expr, extra), [x]);
});

test("eval: padded frames never change valid frames (values and gradients)", () => {
  const x = randDense([2, 3, 2], [3, 1], 4, 0.1, 1);
  const exprs: [string, Record<string, unknown>][] = [
    ["source(0) * 5.656854249492381", {}],
    ["reduce_sum(source(0))", {}],
    ["0.0 * reduce_sum(source(0))", {}],
    ["reduce_mean(source(0))", {}],
    ["reduce_max(source(0)) + reduce_min(source(0))", {}],
    ["reduce_sum(source(0), axis=1)", { out_type: { shape: [2] } }],
    ["softmax(source(0), axis=1)", {}],
    ["source(0) - reduce_mean(source(0), axis=1)", {}],
  ];
  for (const [expr, extra] of exprs) maskingCheck(run(expr, extra), x);
});

test("maskingCheck catches a reduction that ignores sequence lengths", () => {
  const leaky = (d: Data) => new Data(sum(d.value), []);
  assert.throws(() => maskingCheck(leaky, randDense([2, 3, 2], [3, 1], 4)), /valid output element 0 changed/);
});

test("eval: syntax and unsupported-function errors name the layer", () => {
  const x = randDense([1, 1, 2], [1], 1);
  assert.throws(
    () => runLayer("eval", { eval: "source(0) *" }, [x], { path: "output/w" }),
    (e: unknown) =>
      e instanceof ReproError && /^output\/w: eval "source\(0\) \*": expected a number/.test(e.message),
  );
  assert.throws(
    () => runLayer("eval", { eval: "tf.matmul(source(0), source(0))" }, [x], { path: "output/w" }),
    (e: unknown) =>
      e instanceof ReproError && /^output\/w: .*unsupported function "tf.matmul"/.test(e.message),
  );
});

test("eval: the eval option is required", () => {
  assert.throws(() => runLayer("eval", {}, [randDense([1, 1, 2], [1], 1)]), /eval/);
});
