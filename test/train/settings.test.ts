import assert from "node:assert/strict";
import { test } from "node:test";
import { CONFIG_DEFAULTS } from "../../src/config/index.js";
import { parseTrainSettings, type TrainSettings } from "../../src/train/settings.js";

const base = {
  train: { class: "synthetic", task: "copy", num_seqs: 4, vocab_size: 6, min_len: 2, max_len: 6, seed: 1 },
  dev: { class: "synthetic", task: "copy", num_seqs: 2, vocab_size: 6, min_len: 2, max_len: 6, seed: 2 },
};

/**
 * The settings as JSON, without dataset objects (compared by their batching
 * options) and notes; functions by their source, Maps by their entries.
 */
function comparable(s: TrainSettings): string {
  const { train, dev, evals, notes: _notes, ...rest } = s;
  const plain = { ...rest, train: train.batching, dev: dev?.batching, evals: evals.map((e) => e.batching) };
  return JSON.stringify(plain, (_k, v) =>
    typeof v === "function" ? String(v) : v instanceof Map ? [...v] : v,
  );
}

test("every documented default is what training uses when the key is unset", () => {
  assert.ok(CONFIG_DEFAULTS.size >= 25);
  const unset = comparable(parseTrainSettings(base, "c.json", { threads: 1 }));
  for (const [key, value] of CONFIG_DEFAULTS) {
    const set = comparable(parseTrainSettings({ ...base, [key]: value }, "c.json", { threads: 1 }));
    assert.equal(set, unset, key);
  }
});

test("a value other than the default changes the settings (the comparison can fail)", () => {
  const unset = comparable(parseTrainSettings(base, "c.json", { threads: 1 }));
  const other = comparable(parseTrainSettings({ ...base, num_epochs: 6 }, "c.json", { threads: 1 }));
  assert.notEqual(other, unset);
});

test("task: train is what `repronet train` does: no note; another task gets one", () => {
  assert.deepEqual(parseTrainSettings({ ...base, task: "train" }, "c.json", { threads: 1 }).notes, []);
  assert.deepEqual(parseTrainSettings({ ...base, task: "search" }, "c.json", { threads: 1 }).notes, [
    "note: config key task has no effect: `repronet train` trains; searching is `repronet search`",
  ]);
});

test("RETURNN's gradient and optimizer keys reach the settings", () => {
  const s = parseTrainSettings(
    {
      ...base,
      gradient_noise: 0.3,
      gradient_clip: 2,
      gradient_clip_norm: 3,
      adam: true,
      optimizer_epsilon: 1e-8,
    },
    "c.json",
    { threads: 1 },
  );
  assert.deepEqual(
    [s.gradientNoise, s.gradientClipValue, s.gradientClipNorm, s.gradientClipAvgNorm],
    [0.3, 2, 3, 0],
  );
  assert.deepEqual(s.optimizer, { class: "adam", epsilon: 1e-8 });
});
