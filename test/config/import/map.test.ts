import assert from "node:assert/strict";
import { test } from "node:test";
import { mapReturnnGlobals } from "../../../src/config/import/map.js";
import type { PythonGlobals } from "../../../src/config/import/run.js";

const net = { output: { class: "softmax", from: "data", loss: "ce" } };
const py = (over: Partial<PythonGlobals>): PythonGlobals => ({
  globals: { network: net },
  unexpressible: {},
  functions: [],
  pretrainSteps: null,
  notes: [],
  ...over,
});

test("num_outputs and num_inputs become extern_data in RETURNN's reading", () => {
  const { config } = mapReturnnGlobals(
    py({ globals: { network: net, num_inputs: 40, num_outputs: 10 } }),
    "c",
  );
  assert.deepEqual(config.extern_data, {
    classes: { dim: 10, sparse: true },
    data: { dim: 40, shape: [null, 40] },
  });
  assert.equal(config.num_outputs, undefined);
});

test("helper globals are left out and listed in one note", () => {
  const r = mapReturnnGlobals(py({ globals: { network: net, EpochSplit: 20, ExtraThing: [1] } }), "c");
  assert.equal(r.config.EpochSplit, undefined);
  assert.deepEqual(
    r.notes.filter((n) => n.includes("helper")),
    ["note: helper globals left out: EpochSplit, ExtraThing"],
  );
});

test("a helper global close to a known key gets its own note with the hint", () => {
  const r = mapReturnnGlobals(py({ globals: { network: net, learning_rat: 0.1 } }), "c");
  assert.equal(r.config.learning_rat, undefined);
  assert.ok(
    r.notes.includes(
      'note: "learning_rat" is not a config key (did you mean "learning_rate"?): left out as a helper global',
    ),
  );
});

test("evaluated pretrain networks become the list form, without the keys repronet does not apply", () => {
  const steps = [{ ...net, "#repetition": 2, "#config": { learning_rate: 1 } }];
  const r = mapReturnnGlobals(
    py({ globals: { network: net, pretrain: { repetitions: 1 } }, pretrainSteps: steps }),
    "c",
  );
  assert.deepEqual(r.config.pretrain, { repetitions: 1, construction_algo: [{ ...net, "#repetition": 2 }] });
  assert.ok(r.notes.includes('note: pretrain step 0: "#config" is not applied by repronet (left out)'));
});

test("the same change in several pretrain steps is one note naming the steps", () => {
  const step = { ...net, "#config": {} };
  const r = mapReturnnGlobals(py({ pretrainSteps: [step, step, step] }), "c");
  assert.deepEqual(
    r.notes.filter((n) => n.includes("#config")),
    ['note: pretrain steps 0-2: "#config" is not applied by repronet (left out)'],
  );
});

test("functions and objects that are not data get one note per name", () => {
  const r = mapReturnnGlobals(
    py({ unexpressible: { dim: "object of type Dim" }, functions: ["f", "g"] }),
    "c",
  );
  assert.deepEqual(r.notes, [
    "note: dim: object of type Dim cannot be written as data (left out)",
    "note: function f is not carried over (repronet runs no Python)",
    "note: function g is not carried over (repronet runs no Python)",
  ]);
});

test("RETURNN keys repronet does not implement get a note each; runtime keys one note", () => {
  const globals = { network: net, chunking: "50:25", stop_on_nonfinite_train_score: false, tf_log_dir: "x" };
  const r = mapReturnnGlobals(py({ globals }), "c");
  assert.deepEqual(Object.keys(r.config), ["network"]);
  assert.deepEqual(r.notes, [
    "note: RETURNN key chunking is not implemented: left out (training differs from RETURNN's)",
    "note: RETURNN runtime keys left out (no effect here): stop_on_nonfinite_train_score, tf_log_dir",
  ]);
});
