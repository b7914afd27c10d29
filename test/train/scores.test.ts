import assert from "node:assert/strict";
import { test } from "node:test";
import { ScoreSums, stepCosts } from "../../src/train/scores.js";

const report = (name: string, value: number, frames: number, error?: number, scale = 1) => ({
  name,
  value,
  frames,
  error,
  scale,
  inObjective: scale !== 0,
});

test("epoch scores are frame-weighted: Σ values / Σ frames, not a mean of batch means", () => {
  const s = new ScoreSums();
  s.add([report("output", 10, 10, 5)]);
  s.add([report("output", 30, 2, 1)]);
  assert.deepEqual(s.costs(), { output: 40 / 12 });
  assert.deepEqual(s.errors(), { output: 6 / 12 });
});

test("score keys follow RETURNN: plain with one loss, suffixed with the loss name with several", () => {
  const one = new ScoreSums();
  one.add([report("output", 2, 1, 1)]);
  assert.deepEqual(one.scores("dev"), { dev_score: 2, dev_error: 1 });
  const two = new ScoreSums();
  two.add([report("output", 2, 1, 1), report("aux", 4, 2, undefined, 0)]);
  assert.deepEqual(two.scores("train"), { train_score_aux: 2, train_score_output: 2, train_error_output: 1 });
});

test("step costs are per frame; zero-scaled losses can be left out", () => {
  const losses = [report("output", 6, 3, 1), report("aux", 1, 1, undefined, 0)];
  assert.deepEqual(stepCosts(losses), { costs: { output: 2, aux: 1 }, errors: { output: 1 / 3 } });
  assert.deepEqual(stepCosts(losses, false).costs, { output: 2 });
});
