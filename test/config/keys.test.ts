import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CONFIG_KEYS,
  checkTopLevelKeys,
  configKeysMarkdown,
  KNOWN_CONFIG_KEYS,
} from "../../src/config/keys.js";
import { ReproError } from "../../src/util/errors.js";

test("an unknown key is an error with a did-you-mean hint", () => {
  assert.throws(
    () => checkTopLevelKeys({ learning_rat: 0.1 }, "config.json"),
    new ReproError('config.json: unknown config key "learning_rat" (did you mean "learning_rate"?)'),
  );
});

test("an unknown key far from every known key has no hint", () => {
  assert.throws(
    () => checkTopLevelKeys({ network: {}, zzzzzzzzzzzz: 1 }, "c.py"),
    new ReproError('c.py: unknown config key "zzzzzzzzzzzz"'),
  );
});

test("in a Python config an unknown key without a close match suggests a local _ name", () => {
  assert.throws(
    () => checkTopLevelKeys({ network: {}, zzzzzzzzzzzz: 1 }, "c.py", "python"),
    new ReproError(
      'c.py: unknown config key "zzzzzzzzzzzz" (a helper variable? name it "_zzzzzzzzzzzz": names starting with "_" stay local to the config)',
    ),
  );
  assert.throws(
    () => checkTopLevelKeys({ learning_rat: 1 }, "c.py", "python"),
    new ReproError('c.py: unknown config key "learning_rat" (did you mean "learning_rate"?)'),
  );
});

test("known keys pass", () => {
  assert.doesNotThrow(() =>
    checkTopLevelKeys({ network: {}, newbob_learning_rate_decay: 0.7, batching: "random" }, "c"),
  );
});

test("the key table is sorted, without duplicates, and every key has a one-line description", () => {
  const names = CONFIG_KEYS.map((k) => k.name);
  assert.deepEqual(names, [...names].sort());
  assert.equal(KNOWN_CONFIG_KEYS.size, names.length);
  for (const k of CONFIG_KEYS) {
    assert.match(k.description, /^\S.*\.$/, k.name);
    assert.ok(!k.description.includes("\n"), k.name);
  }
});

test("the key table lists the RETURNN keys of the design", () => {
  for (const k of [
    "random_seed",
    "extern_data",
    "max_seq_length",
    "search_data",
    "target",
    "use_tensorflow",
  ]) {
    assert.ok(KNOWN_CONFIG_KEYS.has(k), k);
  }
});

test("the key table renders as Markdown, one row per key", () => {
  const md = configKeysMarkdown().split("\n");
  assert.equal(md.length, CONFIG_KEYS.length + 2);
  assert.equal(
    md[2],
    "| `accum_grad_multiple_step` | `1` | Accumulate gradients over this many steps before each update. |",
  );
  assert.ok(
    md.includes("| `dev` |  | Development dataset, scored after each epoch; drives learning-rate control. |"),
  );
});
