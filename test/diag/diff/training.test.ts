import assert from "node:assert/strict";
import { test } from "node:test";
import { diffLearningRates, diffSteps } from "../../../src/diag/diff/training.js";

/** Differs on every call, like the times the trainer records. */
let clock = 0;

const history = (epochs: Record<string, { lr: number; scores: Record<string, number>; steps?: number }>) => ({
  errorKey: "dev_score",
  epochs: Object.fromEntries(
    Object.entries(epochs).map(([e, r]) => [
      e,
      { learningRate: r.lr, scores: r.scores, meta: { steps: r.steps ?? 2, train_time: ++clock } },
    ]),
  ),
});

test("equal histories have no differing epoch (times are ignored)", () => {
  const h = { "1": { lr: 0.1, scores: { dev_score: 2 } }, "2": { lr: 0.1, scores: { dev_score: 1.5 } } };
  const d = diffLearningRates(history(h), history(h), [], []);
  assert.equal(d?.firstDiffering, null);
  assert.equal(d?.epochs.length, 2);
});

test("the first epoch whose learning rate or scores differ is named", () => {
  const a = history({
    "1": { lr: 0.1, scores: { dev_score: 2 } },
    "2": { lr: 0.1, scores: { dev_score: 1.5 } },
  });
  const b = history({
    "1": { lr: 0.1, scores: { dev_score: 2 } },
    "2": { lr: 0.1, scores: { dev_score: 1.4 } },
  });
  const d = diffLearningRates(a, b, [], [])!;
  assert.equal(d.firstDiffering, "2");
  assert.deepEqual(d.epochs[1].firstScore, { key: "dev_score", a: 1.5, b: 1.4 });
});

test("a one-loss run's bare score keys match the other run's keys of that loss", () => {
  const a = history({ "1": { lr: 0.1, scores: { dev_score: 2 } } });
  const b = history({
    "1": { lr: 0.1, scores: { "dev_score_output/output_prob": 2, "dev_score_output/aux": 0 } },
  });
  const d = diffLearningRates(a, b, ["output/output_prob"], ["output/aux", "output/output_prob"])!;
  assert.equal(d.firstDiffering, null);
  assert.deepEqual(d.scoreKeysOnlyB, ["dev_score_output/aux"]);
});

test("an unreadable history is not compared", () => {
  assert.equal(diffLearningRates({ foo: 1 }, history({}), [], []), null);
});

const step = (g: number, loss: number, extra: Record<string, unknown> = {}) => ({
  epoch: 1,
  step: g,
  global_step: g,
  cost: { "output/output_prob": loss },
  error: {},
  loss,
  learning_rate: 0.1,
  grad_norm: 1,
  sec_per_step: ++clock,
  ...extra,
});

test("the first step whose objective differs is named; times are ignored", () => {
  const d = diffSteps([step(0, 3), step(1, 2.5), step(2, 2)], [step(0, 3), step(1, 2.4), step(2, 2.1)]);
  assert.equal(d.compared, 3);
  assert.deepEqual(d.first, { epoch: 1, step: 1, globalStep: 1, field: "loss", a: 2.5, b: 2.4 });
  assert.equal(d.firstOther, null);
});

test("costs only one run reports are listed, not counted as differences", () => {
  const b = [step(0, 3, { cost: { "output/output_prob": 3, "output/aux": 0 } })];
  const d = diffSteps([step(0, 3)], b);
  assert.equal(d.first, null);
  assert.deepEqual(d.costKeysOnlyB, ["output/aux"]);
});

test("a learning-rate difference is reported apart from the objective", () => {
  const d = diffSteps([step(0, 3)], [step(0, 3, { learning_rate: 0.2 })]);
  assert.equal(d.first, null);
  assert.equal(d.firstOther?.field, "learning_rate");
});

test("non-finite values written as strings compare as numbers", () => {
  const d = diffSteps([step(0, 3, { grad_norm: "NaN" })], [step(0, 3, { grad_norm: "NaN" })]);
  assert.equal(d.firstOther, null);
});

test("with log_grad_norms, the first parameter whose gradient norm differs is named", () => {
  const norms = (w: number) => ({ grad_norms: { "enc/W": 0.5, "out/W": w } });
  const d = diffSteps(
    [step(0, 3, norms(0.7)), step(1, 2.5, norms(0.6))],
    [step(0, 3, { ...norms(0.7), grad_norm: 1 }), step(1, 2.5, { ...norms(0.61), grad_norm: 1.1 })],
  );
  assert.equal(d.first, null);
  assert.deepEqual(d.firstOther, {
    epoch: 1,
    step: 1,
    globalStep: 1,
    field: "grad_norms:out/W",
    a: 0.6,
    b: 0.61,
  });
});
