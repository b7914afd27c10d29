import assert from "node:assert/strict";
import { test } from "node:test";
import { runPythonConfig } from "../../../src/config/import/run.js";
import { ReproError } from "../../../src/util/errors.js";

const FIX = "test/fixtures/returnn";
const run = (file: string, o: { timeoutS?: number; python?: string } = {}) =>
  runPythonConfig(`${FIX}/${file}`, file, { timeoutS: o.timeoutS ?? 30, python: o.python });
const failsWith = (fn: () => unknown, re: RegExp) =>
  assert.throws(
    fn,
    (e: unknown) => e instanceof ReproError && re.test(e.message) && !e.message.includes("\n"),
  );

test("a config runs as a program: imports, its own folder's modules, loops, functions, config accessors", () => {
  const py = run("program.config");
  assert.equal(py.globals.learning_rate, 0.002);
  assert.equal(py.globals.config_lr, 0.002);
  assert.equal(py.globals.EpochSplit, 20);
  const net = py.globals.network as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(net).sort(), ["l0", "l1", "l2", "output"]);
  assert.deepEqual(net.l2, { class: "linear", activation: "tanh", n_out: 6, from: "l1" });
  assert.deepEqual(py.globals.num_outputs, { classes: [7, 1] });
  assert.deepEqual(py.functions, ["layer"]);
});

test("a pretrain construction_algo is evaluated as RETURNN calls it, until it returns None", () => {
  const py = run("program.config");
  const steps = py.pretrainSteps!;
  assert.equal(steps.length, 2);
  assert.deepEqual(Object.keys(steps[0]).sort(), ["#repetition", "l0", "output"]);
  assert.equal((steps[1].output as Record<string, unknown>).from, "l1");
  assert.deepEqual(py.globals.pretrain, { repetitions: 1 });
});

test("a config that raises names the file and the config's line", () => {
  failsWith(() => run("raises.config"), /^raises\.config:6: the config raised KeyError: 'missing'$/);
});

test("a config that loops forever is stopped by the time limit", () => {
  failsWith(() => run("loops.config", { timeoutS: 1 }), /^loops\.config: did not finish within 1 s/);
});

test("a missing python3 is one error line", () => {
  failsWith(
    () => run("program.config", { python: "/nonexistent/python3" }),
    /not found \(repronet import needs Python 3\)/,
  );
});

test("output that is not the runner's JSON is an error, not a crash", () => {
  // `echo` prints its arguments: not JSON.
  failsWith(() => run("program.config", { python: "echo" }), /^program\.config: echo gave no config/);
});

test("a config starting with '{' is RETURNN's JSON with comments", () => {
  const py = run("json-comments.config");
  assert.deepEqual(py.globals, {
    num_inputs: 3,
    num_outputs: 5,
    network: { output: { class: "softmax", loss: "ce", from: ["data"], target: "classes" } },
    model: "dir//net /* not a comment */",
    learning_rate: 0.01,
  });
});
