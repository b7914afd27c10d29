import assert from "node:assert/strict";
import { test } from "node:test";
import { optimizerFromKeys, runtimeOnlyNotes } from "../../src/config/returnn-keys.js";
import { ReproError } from "../../src/util/errors.js";

const fails = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof ReproError && re.test(e.message));

test("adam: True picks Adam with RETURNN's default optimizer_epsilon 1e-16", () => {
  assert.deepEqual(optimizerFromKeys({ adam: true }, "c"), { class: "adam", epsilon: 1e-16 });
  assert.deepEqual(optimizerFromKeys({ adam: true, optimizer_epsilon: 1e-8 }, "c"), {
    class: "adam",
    epsilon: 1e-8,
  });
});

test("an optimizer dict wins over the flags; optimizer_epsilon fills its unset epsilon", () => {
  assert.deepEqual(optimizerFromKeys({ optimizer: { class: "sgd" }, adam: true }, "c"), { class: "sgd" });
  assert.deepEqual(optimizerFromKeys({ optimizer: { class: "adam" }, optimizer_epsilon: 1e-8 }, "c"), {
    class: "adam",
    epsilon: 1e-8,
  });
});

test("no optimizer keys leave the default to training", () => {
  assert.equal(optimizerFromKeys({}, "c"), undefined);
});

test("nadam is an error, not a silent Adam", () => {
  fails(() => optimizerFromKeys({ nadam: true }, "c"), /nadam is not supported yet/);
});

test("runtime-only keys get one note each", () => {
  const notes = runtimeOnlyNotes({ cache_size: "0", log: "x.log", window: 1, learning_rate: 1 }, "c");
  assert.deepEqual(
    notes.map((n) => n.split(":")[0]),
    ["note", "note", "note"],
  );
  assert.ok(notes[0].startsWith("note: config key cache_size has no effect"));
  assert.ok(notes.some((n) => n.startsWith("note: config key window has no effect")));
});

test("a window other than 1 is an error: frame stacking is not implemented", () => {
  fails(() => runtimeOnlyNotes({ window: 3 }, "c"), /window 3 is not supported/);
});
