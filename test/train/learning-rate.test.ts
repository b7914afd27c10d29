import assert from "node:assert/strict";
import { test } from "node:test";
import { LearningRateControl, parseLrSettings } from "../../src/train/learning-rate.js";
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
  // As RETURNN's ConstantLearningRate: after the presets, the last recorded rate stays.
  assert.deepEqual(run({ learning_rate: 0.1, learning_rates: [0.3, 0.2] }, [1, 1]), [0.3, 0.2, 0.2]);
  assert.deepEqual(run({ learning_rate: 0.1, learning_rates: { "2": 0.5 } }, [1, 1]), [0.1, 0.5, 0.5]);
  assert.deepEqual(run(newbob({ learning_rates: { "3": 0.01 } }), [1, 2, 3]), [1, 1, 0.01, 0.005]);
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
  assert.throws(() => settings({ learning_rate_control: "newbob_abss" }), /did you mean "newbob_abs"/);
  assert.throws(
    () => settings({ learning_rate: "fast" }),
    (e: unknown) => e instanceof ReproError && /learning_rate must be/.test(e.message),
  );
  assert.throws(() => settings({ learning_rates: "[0.1]" }), /learning_rates must be a list or a dict/);
});

test("newbob (relative): decays when (new - old) / new of the last two epochs exceeds the threshold", () => {
  const cfg = { learning_rate: 1, learning_rate_control: "newbob", newbob_relative_error_threshold: -0.01 };
  // e3: (9 - 10) / 9 = -0.111 <= -0.01 → keep. e4: (9.5 - 9) / 9.5 = 0.053 → 0.5.
  // e5: (9.45 - 9.5) / 9.45 = -0.0053 > -0.01 → 0.25. e6: (8 - 9.45) / 8 = -0.18 → keep.
  assert.deepEqual(run(cfg, [10, 9, 9.5, 9.45, 8]), [1, 1, 1, 0.5, 0.25, 0.25]);
  assert.deepEqual(run({ ...cfg, learning_rate_control: "newbob_rel" }, [10, 9, 9.5]), [1, 1, 1, 0.5]);
});

test("newbob: growth applies whenever it does not decay; min_learning_rate bounds the decay", () => {
  const cfg = {
    learning_rate: 1,
    learning_rate_control: "newbob",
    newbob_learning_rate_growth: 1.5,
    newbob_learning_rate_decay: 0.1,
    min_learning_rate: 0.2,
  };
  // e3: (5 - 10) / 5 = -1 → grow 1.5. e4: (6 - 5) / 6 → decay 0.15 → bounded 0.2. e5: (4 - 6) / 4 → 0.3.
  const lrs = run(cfg, [10, 5, 6, 4]);
  assert.deepEqual(lrs.slice(0, 3), [1, 1, 1.5]);
  assert.equal(lrs[3], 0.2);
  assert.ok(Math.abs(lrs[4] - 0.3) < 1e-15, `${lrs}`);
});

test("newbob_abs: decays when the absolute change new - old exceeds newbob_error_threshold", () => {
  const cfg = { learning_rate: 0.8, learning_rate_control: "newbob_abs", newbob_error_threshold: -0.5 };
  // e3: 9 - 10 = -1 → keep. e4: 8.6 - 9 = -0.4 > -0.5 → 0.4. e5: 7 - 8.6 = -1.6 → keep. e6: 7 - 7 = 0 → 0.2.
  assert.deepEqual(run(cfg, [10, 9, 8.6, 7, 7]), [0.8, 0.8, 0.8, 0.4, 0.4, 0.2]);
  // The default threshold is -0.01: an improvement of 0.005 decays.
  assert.deepEqual(run({ learning_rate: 1, learning_rate_control: "newbob_abs" }, [1, 0.995]), [1, 1, 0.5]);
});

test("newbob and newbob_abs keep the rate without two epochs of scores", () => {
  for (const control of ["newbob", "newbob_abs"]) {
    assert.deepEqual(run({ learning_rate: 1, learning_rate_control: control }, [3], 2), [1, 1, 1]);
    const ctl = new LearningRateControl(settings({ learning_rate: 1, learning_rate_control: control }));
    ctl.errorKey = "dev_score";
    ctl.learningRateFor(1);
    ctl.setScores(1, { dev_score: 1 });
    ctl.learningRateFor(2);
    ctl.setScores(2, { train_score: 9 });
    assert.equal(ctl.learningRateFor(3), 1, control);
  }
});

test("newbob_multi_epoch continues from the last recorded rate (presets included)", () => {
  const cfg = newbob({ learning_rates: [0.1, 0.2] });
  // e3: last rate 0.2; window [1, 2]: (2 - 1)/2 > 0 → 0.1.
  assert.deepEqual(run(cfg, [1, 2]), [0.1, 0.2, 0.1]);
});

test("setDefault records a rate only for an epoch that has none (RETURNN's set_default_learning_rate_for_epoch)", () => {
  const ctl = new LearningRateControl(settings({ learning_rate: 1, learning_rates: { "2": 0.3 } }));
  assert.equal(ctl.setDefault(1, 0.05), 0.05);
  assert.equal(ctl.setDefault(1, 0.07), 0.05);
  assert.equal(ctl.setDefault(2, 0.07), 0.3);
  assert.equal(ctl.learningRateFor(3), 0.3);
});

test("times in the history stay out of the checkpoint copy and come back from learning_rates.json", () => {
  const ctl = new LearningRateControl(settings({ learning_rate: 1 }));
  ctl.learningRateFor(1);
  ctl.setScores(1, { dev_score: 1 }, { steps: 4, train_time: 1.5, finished_at: "2025-01-01T00:00:00.000Z" });
  const stable = ctl.toJSON({ volatile: false });
  assert.deepEqual(stable.epochs["1"].meta, { steps: 4 });
  const back = new LearningRateControl(settings({ learning_rate: 1 }));
  back.load(JSON.parse(JSON.stringify(stable)));
  back.loadVolatileMeta(JSON.parse(JSON.stringify(ctl.toJSON())));
  assert.deepEqual(back.toJSON(), ctl.toJSON());
});
