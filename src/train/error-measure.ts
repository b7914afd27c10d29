/**
 * Which score the learning-rate control reads (contract point 6). RETURNN
 * picks it with a first-match rule over the recorded keys, which can land on
 * an auxiliary or zero-scaled loss whose name sorts first; repronet uses the
 * configured key, else the main output's dev score, and offers RETURNN's rule
 * only on request (`learning_rate_control_error_measure_rule: "returnn"`).
 */
import { didYouMean, ReproError } from "../util/errors.js";
import type { LrSettings } from "./learning-rate.js";

/** RETURNN's score key of a loss: `<set>_score` with one loss, else `<set>_score_<name>` (likewise `_error`). */
export function scoreKey(set: string, kind: "score" | "error", loss: string, numLosses: number): string {
  return numLosses === 1 ? `${set}_${kind}` : `${set}_${kind}_${loss}`;
}

export interface LossInfo {
  readonly name: string;
  readonly scale: number;
  readonly inObjective: boolean;
  readonly hasValue: boolean;
  readonly hasError: boolean;
}

/** Every score key the epochs will record, sorted. */
export function allScoreKeys(losses: readonly LossInfo[], sets: readonly string[]): string[] {
  const keys: string[] = [];
  for (const set of sets)
    for (const l of losses) {
      if (l.hasValue) keys.push(scoreKey(set, "score", l.name, losses.length));
      if (l.hasError) keys.push(scoreKey(set, "error", l.name, losses.length));
    }
  return keys.sort();
}

/** The main output's loss: an in-objective, non-zero-scaled loss on layer `output` (never an auxiliary one). */
export function mainLoss(losses: readonly LossInfo[]): LossInfo | undefined {
  const main = losses.filter((l) => l.inObjective && l.scale !== 0);
  const under = main.filter((l) => l.name === "output" || l.name.startsWith("output/"));
  for (const pick of ["output", "output/output", "output/output_prob"]) {
    const hit = under.find((l) => l.name === pick);
    if (hit) return hit;
  }
  if (under.length === 1) return under[0];
  return main.length === 1 ? main[0] : undefined;
}

/** RETURNN's first-match rule (LearningRateControl.get_error_key), on the keys an epoch records. */
export function returnnErrorKey(keys: readonly string[], configured: string | null): string | undefined {
  const sorted = [...keys].sort();
  const has = (k: string) => sorted.includes(k);
  if (configured !== null) {
    if (has(configured)) return configured;
    if (has(`${configured}_output`)) return `${configured}_output`;
  }
  for (const k of ["dev_score", "dev_score_output"]) if (has(k)) return k;
  const first = (ok: (k: string) => boolean) => sorted.find(ok);
  return (
    first((k) => k === "dev_score_output/output" || k.startsWith("dev_score_output/output_")) ??
    first((k) => k.startsWith("dev_score_output/")) ??
    first((k) => k.startsWith("dev_")) ??
    (has("train_score") ? "train_score" : has("train_score_output") ? "train_score_output" : sorted[0])
  );
}

/**
 * The error-measure key (contract point 6): the configured one (it must be a
 * key the epochs record; a dev_* key without a dev set falls back to the main
 * output's train score, as RETURNN's rule does), else the main output's dev
 * score (train score without a dev set), or RETURNN's rule on request. Null
 * when no key fits.
 */
export function chooseErrorMeasure(
  s: Pick<LrSettings, "errorMeasure" | "errorMeasureRule">,
  losses: readonly LossInfo[],
  hasDev: boolean,
  /** Keys recorded besides the losses' scores (e.g. dev BLEU). */
  extraKeys: readonly string[] = [],
): { key: string | null; reason: string } {
  const keys = [...allScoreKeys(losses, hasDev ? ["dev", "train"] : ["train"]), ...extraKeys].sort();
  if (s.errorMeasureRule === "returnn") {
    const key = returnnErrorKey(keys, s.errorMeasure) ?? null;
    return { key, reason: "RETURNN's first-match rule (learning_rate_control_error_measure_rule: returnn)" };
  }
  const main = mainLoss(losses);
  if (s.errorMeasure !== null) {
    // Without a dev set no dev_* key is recorded; RETURNN then falls back to the train score, and so do we.
    if (!hasDev && s.errorMeasure.startsWith("dev_") && main && !keys.includes(s.errorMeasure))
      return {
        key: scoreKey("train", "score", main.name, losses.length),
        reason: `learning_rate_control_error_measure "${s.errorMeasure}" needs a dev set (none): the train score of main output loss ${main.name}, as RETURNN`,
      };
    if (!keys.includes(s.errorMeasure)) {
      throw new ReproError(
        `learning_rate_control_error_measure: "${s.errorMeasure}" is not a recorded score${didYouMean(s.errorMeasure, keys)} (recorded: ${keys.join(", ")})`,
      );
    }
    return { key: s.errorMeasure, reason: "learning_rate_control_error_measure" };
  }
  if (!main) return { key: null, reason: "no unique main output loss" };
  return {
    key: scoreKey(hasDev ? "dev" : "train", "score", main.name, losses.length),
    reason: `main output loss ${main.name}`,
  };
}
