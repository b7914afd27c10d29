import assert from "node:assert/strict";
import { test } from "node:test";
import { activationNames } from "../../src/layers/activation.js";
import { batchDim } from "../../src/network/data.js";
import { ReproError } from "../../src/util/errors.js";
import {
  assertClose,
  dataOf,
  denseData,
  layerGradCheck,
  layerOptions,
  maskingCheck,
  randDense,
  runLayer,
  sparseData,
  timeDimOf,
} from "../helpers/layer-harness.js";

const xs = [-2, -0.5, 0.25, 3];
const x = () => denseData(xs, [1, 2, 2], [2]);
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

test("activation applies the named function element-wise", () => {
  const cases: [string, (v: number) => number][] = [
    ["relu", (v) => Math.max(v, 0)],
    ["tanh", Math.tanh],
    ["sigmoid", sigmoid],
    ["exp", Math.exp],
    ["abs", Math.abs],
    ["square", (v) => v * v],
    ["identity", (v) => v],
    ["swish", (v) => v * sigmoid(v)],
  ];
  for (const [name, f] of cases)
    assertClose(runLayer("activation", { activation: name }, [x()]).value, xs.map(f));
});

test("activation softmax and log_softmax normalise over the feature axis", () => {
  const sm = runLayer("activation", { activation: "softmax" }, [x()]).value.toArray();
  const z0 = Math.exp(-2) + Math.exp(-0.5);
  const z1 = Math.exp(0.25) + Math.exp(3);
  assertClose(sm, [Math.exp(-2) / z0, Math.exp(-0.5) / z0, Math.exp(0.25) / z1, Math.exp(3) / z1]);
  const ls = runLayer("activation", { activation: "log_softmax" }, [x()]).value.toArray();
  assertClose(ls, [-2 - Math.log(z0), -0.5 - Math.log(z0), 0.25 - Math.log(z1), 3 - Math.log(z1)]);
});

test("activation softmax over a time axis (last) ignores frames beyond each sequence's end", () => {
  const T = timeDimOf([2, 1]);
  const d = dataOf([0, 0, 5, 1000], [batchDim(2), T]);
  assertClose(runLayer("activation", { activation: "softmax" }, [d]).value, [0.5, 0.5, 1, 0]);
});

test("activation keeps the dims; activation null returns the source", () => {
  const d = x();
  const y = runLayer("activation", { activation: "relu" }, [d]);
  assert.deepEqual(y.dims, d.dims);
  assert.equal(runLayer("activation", { activation: null }, [d]), d);
});

test("activation gradient check for every function", () => {
  const d = randDense([2, 2, 3], [2, 1], 1, 0.2, 1.5); // positive: log, sqrt, rsqrt are defined
  for (const name of activationNames())
    layerGradCheck((v) => runLayer("activation", { activation: name }, [v]), [d]);
});

test("activation: padded frames never change valid frames", () => {
  for (const name of ["relu", "softmax", "log"]) {
    maskingCheck(
      (v) => runLayer("activation", { activation: name }, [v]),
      randDense([2, 3, 2], [3, 1], 2, 0.1, 1),
    );
  }
  const T = timeDimOf([3, 1]);
  maskingCheck(
    (v) => runLayer("activation", { activation: "softmax" }, [v]),
    dataOf([1, 2, 3, 4, 5, 6], [batchDim(2), T]),
  );
});

test("activation: unknown function is an error with a hint", () => {
  assert.throws(
    () => runLayer("activation", { activation: "sigmod" }, [x()], { path: "act" }),
    (e: unknown) =>
      e instanceof ReproError &&
      e.message.startsWith('act: unknown activation "sigmod" (did you mean "sigmoid"?)'),
  );
});

test("activation: the activation option is required; sparse input is an error", () => {
  assert.throws(() => layerOptions("activation", {}), /activation/);
  assert.throws(() => runLayer("activation", { activation: "relu" }, [sparseData([[1]], 2)]), ReproError);
});

test("RETURNN's composite activations: a number and a function around + - * / (split at the first +, then -, *, /)", () => {
  const cases: [string, (v: number) => number][] = [
    ["2*sigmoid", (v) => 2 * sigmoid(v)],
    ["3 + 2 * sigmoid", (v) => 3 + 2 * sigmoid(v)],
    ["tanh - 1", (v) => Math.tanh(v) - 1],
    ["relu / 2", (v) => Math.max(v, 0) / 2],
    ["sigmoid * tanh", (v) => sigmoid(v) * Math.tanh(v)],
  ];
  for (const [name, f] of cases)
    assertClose(runLayer("activation", { activation: name }, [x()]).value, xs.map(f));
  for (const bad of ["2*sigmod", "2*3", "*sigmoid"])
    assert.throws(
      () => runLayer("activation", { activation: bad }, [x()], { path: "act" }),
      new RegExp(`act: unknown activation "${bad.replace("*", "\\*")}"|has no function`),
    );
});
