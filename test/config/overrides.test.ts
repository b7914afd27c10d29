import assert from "node:assert/strict";
import { test } from "node:test";
import { applyOverrides } from "../../src/config/overrides.js";
import { ReproError } from "../../src/util/errors.js";

const base = () => ({
  learning_rate: 0.001,
  model: "runs/a",
  optimizer: { class: "adam", epsilon: 1e-8 },
  network: { output: { class: "softmax", loss: "ce" } },
});

test("a number value is parsed as JSON", () => {
  assert.equal(applyOverrides(base(), ["learning_rate=1e-4"]).learning_rate, 1e-4);
});

test("a JSON object value replaces the key", () => {
  const out = applyOverrides(base(), ['optimizer={"class": "sgd", "momentum": 0.9}']);
  assert.deepEqual(out.optimizer, { class: "sgd", momentum: 0.9 });
});

test("a value that is not JSON is taken as a plain string", () => {
  const out = applyOverrides(base(), ["model=runs/b/net", "task=train", 'dev="x"', "empty="]);
  assert.equal(out.model, "runs/b/net");
  assert.equal(out.task, "train");
  assert.equal(out.dev, "x");
  assert.equal(out.empty, "");
});

test("only the first = separates key and value", () => {
  assert.equal(applyOverrides({}, ["a=b=c"]).a, "b=c");
});

test("a dotted key sets a nested key and creates missing dicts", () => {
  const out = applyOverrides(base(), ["network.output.dropout=0.1", "optimizer.epsilon=1e-6", "x.y.z=true"]);
  assert.deepEqual(out.network, { output: { class: "softmax", loss: "ce", dropout: 0.1 } });
  assert.deepEqual(out.optimizer, { class: "adam", epsilon: 1e-6 });
  assert.deepEqual(out.x, { y: { z: true } });
});

test("later overrides win", () => {
  assert.equal(applyOverrides(base(), ["learning_rate=1", "learning_rate=2"]).learning_rate, 2);
});

test("the input config is not mutated", () => {
  const input = base();
  const fn = () => 1;
  const withFn = { ...input, pretrain: { construction_algo: fn } };
  const out = applyOverrides(withFn, ["network.output.loss=mse", "learning_rate=5"]);
  assert.deepEqual(withFn, { ...base(), pretrain: { construction_algo: fn } });
  assert.notEqual(out, withFn);
  assert.equal((out.pretrain as { construction_algo: unknown }).construction_algo, fn);
});

test("a --set without = is an error", () => {
  assert.throws(
    () => applyOverrides(base(), ["learning_rate"]),
    new ReproError("--set learning_rate: expected key=value"),
  );
});

test("an empty key or key segment is an error", () => {
  assert.throws(() => applyOverrides(base(), ["=5"]), new ReproError('--set =5: invalid key ""'));
  assert.throws(() => applyOverrides(base(), ["a..b=5"]), new ReproError('--set a..b=5: invalid key "a..b"'));
});

test("a dotted key through a non-dict is an error", () => {
  assert.throws(
    () => applyOverrides(base(), ["learning_rate.x=1"]),
    new ReproError('--set learning_rate.x=1: "learning_rate" is a number, not a dict'),
  );
});

test("a __proto__ key is set as an own property", () => {
  const out = applyOverrides({}, ['__proto__={"polluted": 1}']);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.keys(out), ["__proto__"]);
});

test("a number out of a double's range is an error naming the --set, not Infinity or 0", () => {
  assert.throws(
    () => applyOverrides({}, ["learning_rate=1e-400"]),
    /^ReproError: --set learning_rate=1e-400: 1e-400 is out of the range of a double \(it would become 0\)$/,
  );
  assert.throws(() => applyOverrides({}, ["x=1e400"]), /it would become Infinity/);
  assert.deepEqual(applyOverrides({}, ["x=0e5", "y=0.0"]), { x: 0, y: 0 });
});
