import assert from "node:assert/strict";
import { test } from "node:test";
import {
  chooseErrorMeasure,
  LearningRateControl,
  type LossInfo,
  parseLrSettings,
  returnnErrorKey,
} from "../../src/train/learning-rate.js";
import { ReproError } from "../../src/util/errors.js";

const settings = (config: Record<string, unknown>) => parseLrSettings(config, "c.json");

/** Runs the control over scripted dev scores; returns the learning rate of each epoch. */
function run(config: Record<string, unknown>, devScores: number[], extraEpochs = 1): number[] {
  const ctl = new LearningRateControl(settings(config));
  ctl.errorKey = "dev_score";
  const lrs: number[] = [];
  for (let e = 1; e <= devScores.length + extraEpochs; e++) {
    lrs.push(ctl.learningRateFor(e));
    if (e <= devScores.length) ctl.setScores(e, { dev_score: devScores[e - 1], train_score: 100 });
  }
  return lrs;
}

const newbob = (over: Record<string, unknown> = {}) => ({
  learning_rate: 1,
  learning_rate_control: "newbob_multi_epoch",
  newbob_multi_num_epochs: 2,
  newbob_multi_update_interval: 1,
  newbob_relative_error_threshold: 0,
  newbob_learning_rate_decay: 0.5,
  ...over,
});

test("constant: every epoch gets learning_rate (default 1.0, as RETURNN)", () => {
  assert.deepEqual(run({ learning_rate: 0.01 }, [3, 2, 5]), [0.01, 0.01, 0.01, 0.01]);
  assert.equal(settings({}).learningRate, 1);
});

test("learning_rates presets epochs (list or dict) and wins over the control", () => {
  assert.deepEqual(run({ learning_rate: 0.1, learning_rates: [0.3, 0.2] }, [1, 1]), [0.3, 0.2, 0.1]);
  assert.deepEqual(run({ learning_rate: 0.1, learning_rates: { "2": 0.5 } }, [1, 1]), [0.1, 0.5, 0.1]);
});

test("newbob_multi_epoch decays when the mean relative dev-score change over the window exceeds the threshold", () => {
  // e3: window [1,2]: (9-10)/9 < 0 → keep. e4: [1,2,3]: mean(-1/9, 0.5/9.5) = -0.029 → keep.
  // e5: [2,3,4]: mean(0.5/9.5, 0.5/10) = 0.051 > 0 → 1.0 · 0.5. e6: [3,4,5]: mean(0.05, -1/9) < 0 → keep.
  assert.deepEqual(run(newbob(), [10, 9, 9.5, 10, 9]), [1, 1, 1, 1, 0.5, 0.5]);
});

test("newbob_multi_epoch keeps the rate with fewer than two scored epochs", () => {
  assert.deepEqual(run(newbob(), [1], 1), [1, 1]);
});

test("newbob_relative_error_div_by_old divides by the old score", () => {
  // e3: (12-10)/10 = 0.2 with div_by_old; threshold 0.18 → decay. Divided by new: 2/12 = 0.167 → keep.
  assert.deepEqual(run(newbob({ newbob_relative_error_threshold: 0.18 }), [10, 12]), [1, 1, 1]);
  assert.deepEqual(
    run(newbob({ newbob_relative_error_threshold: 0.18, newbob_relative_error_div_by_old: true }), [10, 12]),
    [1, 1, 0.5],
  );
});

test("newbob_learning_rate_growth applies below the grow threshold", () => {
  const cfg = newbob({ newbob_relative_error_grow_threshold: -0.05, newbob_learning_rate_growth: 2 });
  assert.deepEqual(run(cfg, [10, 5]), [1, 1, 2]);
});

test("newbob_multi_update_interval: the rate changes only in epochs e with e mod interval = 1", () => {
  const cfg = newbob({ newbob_multi_update_interval: 2 });
  // e3 (3 mod 2 = 1): [1,2] worse → decay; e4: no update although worse; e5: [2,3,4] worse → decay.
  assert.deepEqual(run(cfg, [1, 2, 3, 4]), [1, 1, 0.5, 0.5, 0.25]);
});

test("min_learning_rate bounds the decay", () => {
  assert.deepEqual(run(newbob({ min_learning_rate: 0.3 }), [1, 2, 3, 4]), [1, 1, 0.5, 0.3, 0.3]);
});

test("learning_rate_control_min_num_epochs_per_new_lr keeps a new rate for that many epochs", () => {
  const cfg = newbob({ learning_rate_control_min_num_epochs_per_new_lr: 2 });
  // e3 decays; e4: the last two rates (1, 0.5) differ → keep although worse; e5: (0.5, 0.5) → decay.
  assert.deepEqual(run(cfg, [1, 2, 3, 4]), [1, 1, 0.5, 0.5, 0.25]);
});

test("learning_rate_control_relative_error_relative_lr divides each change by lr_new / learning_rate", () => {
  // lr 1 in e1, preset 0.1 in e2: (1.05 - 1)/1.05 = 0.0476 / 0.1 = 0.476 > 0.3 → decay; without: keep.
  const base = newbob({ newbob_relative_error_threshold: 0.3, learning_rates: { "2": 0.1 } });
  assert.deepEqual(run(base, [1, 1.05]), [1, 0.1, 0.1]);
  assert.deepEqual(
    run({ ...base, learning_rate_control_relative_error_relative_lr: true }, [1, 1.05]),
    [1, 0.1, 0.05],
  );
});

test("a missing error value keeps the rate", () => {
  const ctl = new LearningRateControl(settings(newbob()));
  ctl.errorKey = "dev_score";
  ctl.learningRateFor(1);
  ctl.setScores(1, { dev_score: 1 });
  ctl.learningRateFor(2);
  ctl.setScores(2, { train_score: 5 });
  assert.equal(ctl.learningRateFor(3), 1);
});

test("the history round-trips through toJSON/load, also with non-finite scores", () => {
  const ctl = new LearningRateControl(settings(newbob()));
  ctl.errorKey = "dev_score";
  ctl.learningRateFor(1);
  ctl.setScores(1, { dev_score: 1, dev_score_aux: Number.NaN });
  const json = JSON.parse(
    JSON.stringify(ctl.toJSON(), (_, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v)),
  );
  const back = new LearningRateControl(settings(newbob()));
  back.load(json);
  assert.equal(back.errorKey, "dev_score");
  assert.ok(Number.isNaN(back.epochs.get(1)!.scores.dev_score_aux));
  assert.equal(back.epochs.get(1)!.scores.dev_score, 1);
});

test("unknown or unsupported learning_rate_control values are one-line errors", () => {
  assert.throws(
    () => settings({ learning_rate_control: "newbob_multi_epoc" }),
    /did you mean "newbob_multi_epoch"/,
  );
  assert.throws(() => settings({ learning_rate_control: "newbob" }), /"newbob" \(not supported yet\)/);
  assert.throws(
    () => settings({ learning_rate: "fast" }),
    (e: unknown) => e instanceof ReproError && /learning_rate must be/.test(e.message),
  );
  assert.throws(() => settings({ learning_rates: "[0.1]" }), /learning_rates must be a list or a dict/);
});

// --- error measure -----------------------------------------------------------------

const loss = (name: string, scale = 1, hasError = true): LossInfo => ({
  name,
  scale,
  inObjective: scale !== 0,
  hasValue: true,
  hasError,
});
const rules = (
  over: Partial<{ errorMeasure: string | null; errorMeasureRule: "repronet" | "returnn" }> = {},
) => ({
  errorMeasure: null,
  errorMeasureRule: "repronet" as const,
  ...over,
});

test("default error measure: the main output's dev score, even when an auxiliary loss sorts first", () => {
  const losses = [loss("output/output_att_entropy", 0), loss("aaa_aux", 0), loss("output/output_prob")];
  assert.equal(chooseErrorMeasure(rules(), losses, true).key, "dev_score_output/output_prob");
  assert.equal(chooseErrorMeasure(rules(), losses, false).key, "train_score_output/output_prob");
});

test("with a single loss the key is RETURNN's plain dev_score", () => {
  assert.equal(chooseErrorMeasure(rules(), [loss("output")], true).key, "dev_score");
});

test("an auxiliary loss with a non-zero scale is not taken over the output's", () => {
  assert.equal(
    chooseErrorMeasure(rules(), [loss("aux_ctc", 0.5), loss("output")], true).key,
    "dev_score_output",
  );
});

test("RETURNN's first-match rule, on request, can land on an auxiliary loss", () => {
  const losses = [loss("output/output_att_entropy", 0), loss("output/output_prob")];
  const got = chooseErrorMeasure(rules({ errorMeasureRule: "returnn" }), losses, true);
  assert.equal(got.key, "dev_score_output/output_att_entropy");
  assert.equal(returnnErrorKey(["dev_error_x", "dev_score_x", "train_score"], null), "dev_error_x");
  assert.equal(returnnErrorKey(["dev_score", "dev_score_output"], "dev_score"), "dev_score");
  assert.equal(returnnErrorKey(["dev_score_output", "train_score"], "dev_score"), "dev_score_output");
});

test("an explicit error measure must be a recorded key", () => {
  const losses = [loss("output")];
  assert.equal(chooseErrorMeasure(rules({ errorMeasure: "dev_error" }), losses, true).key, "dev_error");
  assert.throws(
    () => chooseErrorMeasure(rules({ errorMeasure: "dev_scor" }), losses, true),
    (e: unknown) =>
      e instanceof ReproError &&
      /"dev_scor" is not a recorded score \(did you mean "dev_score"\?\)/.test(e.message),
  );
});

test("no unique main loss gives no key (the engine asks for an explicit measure)", () => {
  assert.equal(chooseErrorMeasure(rules(), [loss("a"), loss("b")], true).key, null);
});
