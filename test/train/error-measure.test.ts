import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseErrorMeasure, type LossInfo, returnnErrorKey } from "../../src/train/error-measure.js";
import { ReproError } from "../../src/util/errors.js";

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

test("a dev_* error measure without a dev set falls back to the main train score (RETURNN's rule); with one it must exist", () => {
  const losses = [loss("output")];
  const measure = rules({ errorMeasure: "dev_score_output:exp" });
  const noDev = chooseErrorMeasure(measure, losses, false);
  assert.equal(noDev.key, "train_score");
  assert.match(noDev.reason, /needs a dev set/);
  assert.throws(() => chooseErrorMeasure(measure, losses, true), ReproError);
  assert.throws(() => chooseErrorMeasure(rules({ errorMeasure: "train_scor" }), losses, false), ReproError);
});
