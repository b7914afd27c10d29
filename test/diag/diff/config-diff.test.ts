import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/index.js";
import { diffConfigs, diffKeys, keyEffect } from "../../../src/diag/diff/config-diff.js";
import { configVerdict } from "../../../src/diag/diff/verdict.js";
import { renderConfig } from "../../../src/rundir/index.js";

type Json = Record<string, unknown>;
const example = (name: string): Json => JSON.parse(readFileSync(`examples/${name}.json`, "utf8"));
const withKeys = (extra: Json, name = "transformer-base"): Json => ({ ...example(name), ...extra });

test("base, zero-eval and zero-copy differ, but no difference can affect training", () => {
  const names = ["transformer-base", "transformer-zero-eval", "transformer-zero-copy"];
  for (const a of names)
    for (const b of names) {
      if (a === b) continue;
      const d = diffConfigs(example(a), example(b), a, b);
      assert.equal(d.identical, false);
      assert.equal(d.affecting, 0, `${a} vs ${b}: ${JSON.stringify(d.layers)}`);
      assert.equal(d.layers.length, 2);
      assert.deepEqual(d.keys, []);
      assert.equal(configVerdict(d).status, "identical");
    }
});

test("the same config is identical, with its hash in the verdict", () => {
  const d = diffConfigs(example("transformer-base"), example("transformer-base"), "a", "b");
  assert.equal(d.identical, true);
  assert.match(configVerdict(d).line, /^identical: same resolved config \(sha256:[0-9a-f]{64}\)$/);
});

test("a learning-rate change is named with old → new and can affect training", () => {
  const d = diffConfigs(example("transformer-base"), withKeys({ learning_rate: 0.002 }), "a", "b");
  assert.deepEqual(d.keys, [
    {
      path: "learning_rate",
      change: "changed",
      a: 0.001,
      b: 0.002,
      effect: "affects",
      reason: "can affect training",
    },
  ]);
  const v = configVerdict(d);
  assert.equal(v.status, "different");
  assert.equal(v.line, "different: learning_rate 0.001 → 0.002");
});

test("keys that cannot matter are marked as such", () => {
  const d = diffConfigs(
    example("transformer-base"),
    withKeys({ log_verbosity: 3, threads: 4, save_interval: 2 }),
    "a",
    "b",
  );
  assert.deepEqual(
    d.keys.map((k) => [k.path, k.change, k.effect]),
    [
      ["log_verbosity", "added", "none"],
      ["save_interval", "added", "none"],
      ["threads", "added", "none"],
    ],
  );
  assert.equal(configVerdict(d).status, "identical");
});

test("nested dicts are compared key by key", () => {
  const b = example("transformer-base");
  (b.train as Json).num_seqs = 64;
  (b.optimizer as Json).epsilon = 1e-7;
  assert.deepEqual(
    diffKeys(example("transformer-base"), b).map((k) => [k.path, k.a, k.b]),
    [
      ["optimizer.epsilon", 1e-8, 1e-7],
      ["train.num_seqs", 400, 64],
    ],
  );
});

test("newbob keys cannot matter when the learning rate is constant in both configs", () => {
  const a = withKeys({ learning_rate_control: "constant" });
  const b = withKeys({ learning_rate_control: "constant", newbob_learning_rate_decay: 0.5 });
  assert.equal(keyEffect("newbob_learning_rate_decay", a, b).effect, "none");
  assert.equal(keyEffect("newbob_learning_rate_decay", example("transformer-base"), b).effect, "affects");
});

test("an unknown key is flagged: training rejects it", () => {
  const d = diffConfigs(example("transformer-base"), withKeys({ learning_rat: 1 }), "a", "b");
  assert.equal(d.keys[0].effect, "affects");
  assert.match(d.keys[0].reason, /unknown config key/);
});

test("choosing RETURNN's error-measure rule cannot matter when it picks the same score", () => {
  const d = diffConfigs(
    example("transformer-zero-eval"),
    withKeys({ learning_rate_control_error_measure_rule: "returnn" }, "transformer-zero-eval"),
    "a",
    "b",
  );
  assert.equal(d.errorMeasure, null);
  assert.equal(d.keys[0].effect, "none");
  assert.match(d.keys[0].reason, /dev_score_output\/output_prob/);
});

test("an explicit error measure that picks another score affects the learning-rate control", () => {
  const d = diffConfigs(
    example("transformer-base"),
    withKeys({ learning_rate_control_error_measure: "train_score_output/output_prob" }),
    "a",
    "b",
  );
  assert.deepEqual(
    { a: d.errorMeasure?.a, b: d.errorMeasure?.b, effect: d.errorMeasure?.effect },
    { a: "dev_score_output/output_prob", b: "train_score_output/output_prob", effect: "affects" },
  );
});

test("the RETURNN Python config of the reference model resolves to the same config as the JSON", async () => {
  const py = renderConfig((await loadConfig("examples/transformer-base.config")).config) as Json;
  const d = diffConfigs(renderConfig(example("transformer-base")) as Json, py, "json", "py");
  assert.equal(d.affecting, 0, JSON.stringify([d.keys, d.layers]));
});

test("a top-level null is the same as an unset key (as training reads it)", () => {
  const d = diffConfigs(example("transformer-base"), withKeys({ pretrain: null }), "a", "b");
  assert.deepEqual(
    d.keys.map((k) => [k.path, k.change, k.effect]),
    [["pretrain", "added", "none"]],
  );
});

test("a key set to its default is the same as an unset key; another value is not", () => {
  const base = example("transformer-base");
  delete base.save_interval;
  delete base.log_every_n_steps;
  delete base.random_seed;
  const d = diffConfigs(base, { ...base, save_interval: 1, log_every_n_steps: 1, random_seed: 42 }, "a", "b");
  assert.deepEqual(
    d.keys.map((k) => [k.path, k.change, k.effect]),
    [
      ["log_every_n_steps", "added", "none"],
      ["random_seed", "added", "none"],
      ["save_interval", "added", "none"],
    ],
  );
  const other = diffConfigs(base, { ...base, accum_grad_multiple_step: 2 }, "a", "b");
  assert.deepEqual(
    other.keys.map((k) => [k.path, k.effect]),
    [["accum_grad_multiple_step", "affects"]],
  );
});
