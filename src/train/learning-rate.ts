/**
 * Learning-rate control with RETURNN's key names and update rules
 * (returnn/learning_rate_control.py). The state is a history of epochs, each
 * with its learning rate and its train/dev scores; an epoch's learning rate is
 * computed once, from earlier epochs, and then recorded, so a resumed run that
 * loads the history continues exactly.
 *
 * Policies (`learning_rate_control`): `constant`, `newbob_multi_epoch`. A
 * policy is a function (epoch, control) → learning rate; new ones (newbob,
 * warm-up schedules) register in POLICIES. `learning_rates` (list or dict
 * epoch → lr) presets epochs and wins over every policy.
 */
import { isPlainObject } from "../config/plain.js";
import { didYouMean, ReproError } from "../util/errors.js";

export interface NewbobSettings {
  numEpochs: number;
  updateInterval: number;
  threshold: number;
  growThreshold: number;
  decay: number;
  growth: number;
  divByOld: boolean;
}

export interface LrSettings {
  control: string;
  learningRate: number;
  minLearningRate: number;
  /** Preset learning rates by 1-based epoch. */
  presets: ReadonlyMap<number, number>;
  minNumEpochsPerNewLr: number;
  relativeErrorRelativeLr: boolean;
  newbob: NewbobSettings;
  /** `learning_rate_control_error_measure`, when set. */
  errorMeasure: string | null;
  /** How the error measure is chosen when not set: repronet's explicit default, or RETURNN's first-match rule. */
  errorMeasureRule: "repronet" | "returnn";
}

export interface EpochRecord {
  learningRate: number;
  /** `train_score`, `dev_score_<loss>`, `dev_error`, ... (RETURNN's names). */
  scores: Record<string, number>;
  /** Steps, seconds, ...: for people, never read back into decisions. */
  meta?: Record<string, number | string>;
}

/** An epoch's learning rate from the history of earlier epochs. */
export type LrPolicy = (epoch: number, ctl: LearningRateControl) => number;

export const POLICIES: Record<string, (s: LrSettings) => LrPolicy> = {
  constant: (s) => () => s.learningRate,
  newbob_multi_epoch: (s) => (epoch, ctl) => newbobMultiEpoch(epoch, ctl, s),
};

export class LearningRateControl {
  readonly epochs = new Map<number, EpochRecord>();
  /** The score key the control reads (see `chooseErrorMeasure`); null until the engine sets it. */
  errorKey: string | null = null;
  private readonly policy: LrPolicy;

  constructor(readonly settings: LrSettings) {
    this.policy = POLICIES[settings.control](settings);
    for (const [e, lr] of settings.presets) this.epochs.set(e, { learningRate: lr, scores: {} });
  }

  /** The learning rate of `epoch`: recorded if known, else computed (RETURNN's rules) and recorded. */
  learningRateFor(epoch: number): number {
    const known = this.epochs.get(epoch);
    if (known) return known.learningRate;
    const lr = this.computeFor(epoch);
    this.epochs.set(epoch, { learningRate: lr, scores: {} });
    return lr;
  }

  setScores(epoch: number, scores: Record<string, number>, meta?: EpochRecord["meta"]): void {
    const rec = this.epochs.get(epoch);
    if (!rec) throw new Error(`internal: scores for epoch ${epoch} before its learning rate`);
    rec.scores = { ...rec.scores, ...scores };
    if (meta) rec.meta = { ...rec.meta, ...meta };
  }

  /** The error-measure value of `epoch`, if recorded. */
  errorOf(epoch: number): number | undefined {
    return this.errorKey === null ? undefined : this.epochs.get(epoch)?.scores[this.errorKey];
  }

  /** Recorded epochs before `epoch`, ascending; with `scored`, only those with scores. */
  epochsBefore(epoch: number, scored = false): number[] {
    return [...this.epochs.keys()]
      .filter((e) => e < epoch && (!scored || Object.keys(this.epochs.get(e)!.scores).length > 0))
      .sort((a, b) => a - b);
  }

  private computeFor(epoch: number): number {
    const s = this.settings;
    const n = s.minNumEpochsPerNewLr;
    if (n > 1) {
      const last = this.epochsBefore(epoch)
        .slice(-n)
        .map((e) => this.epochs.get(e)!.learningRate);
      if (last.length > 0 && (last.length < n || new Set(last).size > 1)) return last[last.length - 1];
    }
    return Math.max(this.policy(epoch, this), s.minLearningRate);
  }

  toJSON(): { errorKey: string | null; epochs: Record<string, EpochRecord> } {
    const epochs: Record<string, EpochRecord> = {};
    for (const e of [...this.epochs.keys()].sort((a, b) => a - b)) epochs[String(e)] = this.epochs.get(e)!;
    return { errorKey: this.errorKey, epochs };
  }

  /** Replaces the history with a saved one (presets for epochs it lacks stay). */
  load(state: ReturnType<LearningRateControl["toJSON"]>): void {
    for (const [e, rec] of Object.entries(state.epochs)) {
      // Non-finite scores are saved as strings ("NaN", "Infinity") since JSON has no such numbers.
      const scores = Object.fromEntries(Object.entries(rec.scores).map(([k, v]) => [k, Number(v)]));
      this.epochs.set(Number(e), { ...structuredClone(rec), scores });
    }
    this.errorKey = state.errorKey;
  }
}

/** RETURNN's NewbobMultiEpoch.calc_learning_rate_for_epoch. */
function newbobMultiEpoch(epoch: number, ctl: LearningRateControl, s: LrSettings): number {
  const before = ctl.epochsBefore(epoch);
  if (before.length === 0) return s.learningRate;
  let lr = ctl.epochs.get(before[before.length - 1])!.learningRate;
  const nb = s.newbob;
  if (nb.updateInterval > 1 && epoch % nb.updateInterval !== 1) return lr;
  const last = ctl.epochsBefore(epoch, true).slice(-(nb.numEpochs + 1));
  if (last.length < 2) return lr;
  const errors = last.map((e) => ctl.errorOf(e));
  if (errors.some((e) => e === undefined)) return lr;
  let sum = 0;
  for (let i = 0; i + 1 < last.length; i++) {
    const [oldE, newE] = [errors[i]!, errors[i + 1]!];
    let rel = (newE - oldE) / Math.abs(nb.divByOld ? oldE : newE);
    if (s.relativeErrorRelativeLr) rel /= ctl.epochs.get(last[i + 1])!.learningRate / s.learningRate;
    sum += rel;
  }
  const mean = sum / (last.length - 1);
  if (mean > nb.threshold) lr *= nb.decay;
  else if (mean < nb.growThreshold) lr *= nb.growth;
  return lr;
}

// --- error measure ---------------------------------------------------------------

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
 * key the epochs record), else the main output's dev score (train score
 * without a dev set), or RETURNN's rule on request. Null when no key fits.
 */
export function chooseErrorMeasure(
  s: Pick<LrSettings, "errorMeasure" | "errorMeasureRule">,
  losses: readonly LossInfo[],
  hasDev: boolean,
): { key: string | null; reason: string } {
  const keys = allScoreKeys(losses, hasDev ? ["dev", "train"] : ["train"]);
  if (s.errorMeasureRule === "returnn") {
    const key = returnnErrorKey(keys, s.errorMeasure) ?? null;
    return { key, reason: "RETURNN's first-match rule (learning_rate_control_error_measure_rule: returnn)" };
  }
  if (s.errorMeasure !== null) {
    if (!keys.includes(s.errorMeasure)) {
      throw new ReproError(
        `learning_rate_control_error_measure: "${s.errorMeasure}" is not a recorded score${didYouMean(s.errorMeasure, keys)} (recorded: ${keys.join(", ")})`,
      );
    }
    return { key: s.errorMeasure, reason: "learning_rate_control_error_measure" };
  }
  const main = mainLoss(losses);
  if (!main) return { key: null, reason: "no unique main output loss" };
  return {
    key: scoreKey(hasDev ? "dev" : "train", "score", main.name, losses.length),
    reason: `main output loss ${main.name}`,
  };
}

// --- config ------------------------------------------------------------------------

/** Reads the learning-rate keys of a config (RETURNN's names and defaults). */
export function parseLrSettings(config: Record<string, unknown>, where: string): LrSettings {
  const num = (
    key: string,
    fallback: number,
    ok: (v: number) => boolean = () => true,
    what = "a number",
  ): number => {
    const v = config[key] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || !ok(v))
      throw new ReproError(`${where}: ${key} must be ${what}, got ${JSON.stringify(config[key])}`);
    return v;
  };
  const bool = (key: string): boolean => {
    const v = config[key] ?? false;
    if (typeof v !== "boolean")
      throw new ReproError(`${where}: ${key} must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  const control = config.learning_rate_control ?? "constant";
  if (typeof control !== "string" || !Object.hasOwn(POLICIES, control)) {
    const known = Object.keys(POLICIES).sort();
    const later = ["newbob", "newbob_abs", "newbob_rel"].includes(String(control))
      ? " (not supported yet)"
      : didYouMean(String(control), known);
    throw new ReproError(
      `${where}: learning_rate_control ${JSON.stringify(control)}${later}; supported: ${known.join(", ")}`,
    );
  }
  const nonNeg = (v: number) => v >= 0;
  const posInt = (v: number) => Number.isInteger(v) && v >= 1;
  const learningRate = num("learning_rate", 1.0, nonNeg, "a non-negative number");
  const numEpochs = num("newbob_multi_num_epochs", 5, posInt, "a positive integer");
  const threshold = num("newbob_relative_error_threshold", -0.01);
  const measure = config.learning_rate_control_error_measure ?? null;
  if (measure !== null && typeof measure !== "string")
    throw new ReproError(
      `${where}: learning_rate_control_error_measure must be a string, got ${JSON.stringify(measure)}`,
    );
  const rule = config.learning_rate_control_error_measure_rule ?? "repronet";
  if (rule !== "repronet" && rule !== "returnn")
    throw new ReproError(
      `${where}: learning_rate_control_error_measure_rule must be "repronet" or "returnn", got ${JSON.stringify(rule)}`,
    );
  return {
    control,
    learningRate,
    minLearningRate: num("min_learning_rate", 0, nonNeg, "a non-negative number"),
    presets: parsePresets(config.learning_rates, where),
    minNumEpochsPerNewLr: num(
      "learning_rate_control_min_num_epochs_per_new_lr",
      0,
      (v) => Number.isInteger(v) && v >= 0,
      "a non-negative integer",
    ),
    relativeErrorRelativeLr: bool("learning_rate_control_relative_error_relative_lr"),
    newbob: {
      numEpochs,
      updateInterval: num("newbob_multi_update_interval", numEpochs, posInt, "a positive integer"),
      threshold,
      growThreshold: num("newbob_relative_error_grow_threshold", threshold),
      decay: num("newbob_learning_rate_decay", 0.5, (v) => v > 0, "a positive number"),
      growth: num("newbob_learning_rate_growth", 1.0, (v) => v > 0, "a positive number"),
      divByOld: bool("newbob_relative_error_div_by_old"),
    },
    errorMeasure: measure,
    errorMeasureRule: rule,
  };
}

/** `learning_rates`: a list (epochs 1, 2, ...) or a dict epoch → lr. */
function parsePresets(value: unknown, where: string): Map<number, number> {
  const out = new Map<number, number>();
  if (value === undefined || value === null) return out;
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [String(i + 1), v])
    : isPlainObject(value)
      ? Object.entries(value)
      : [];
  if (!Array.isArray(value) && !isPlainObject(value))
    throw new ReproError(
      `${where}: learning_rates must be a list or a dict epoch → rate, got ${JSON.stringify(value)}`,
    );
  for (const [k, v] of entries) {
    const e = Number(k);
    if (!Number.isSafeInteger(e) || e < 1)
      throw new ReproError(`${where}: learning_rates: "${k}" is not an epoch number`);
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
      throw new ReproError(
        `${where}: learning_rates[${k}] must be a non-negative number, got ${JSON.stringify(v)}`,
      );
    out.set(e, v);
  }
  return out;
}
