/**
 * Learning-rate control with RETURNN's key names and update rules
 * (returnn/learning_rate_control.py). The state is a history of epochs, each
 * with its learning rate and its train/dev scores; an epoch's learning rate is
 * computed once, from earlier epochs, and then recorded, so a resumed run that
 * loads the history continues exactly.
 *
 * Policies (`learning_rate_control`): `constant`, `newbob` (= `newbob_rel`,
 * `newbob_relative`), `newbob_abs`, `newbob_multi_epoch`. A policy is a
 * function (epoch, control) → learning rate, registered in POLICIES.
 * `learning_rates` (list or dict epoch → lr) presets epochs and wins over every
 * policy. Per-step schedules (warm-up, noam) live in schedule.ts and scale
 * the epoch's rate.
 */
import { isPlainObject, shown } from "../config/plain.js";
import { didYouMean, ReproError } from "../util/errors.js";

export interface NewbobSettings {
  numEpochs: number;
  updateInterval: number;
  /** `newbob_relative_error_threshold` (newbob, newbob_multi_epoch). */
  threshold: number;
  growThreshold: number;
  /** `newbob_error_threshold` (newbob_abs). */
  errorThreshold: number;
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

/** Meta keys that differ between identical runs (times): kept out of checkpoints, so their bytes are equal. */
export const VOLATILE_META = ["eval_time", "finished_at", "train_time"];

export interface EpochRecord {
  learningRate: number;
  /** `train_score`, `dev_score_<loss>`, `dev_error`, ... (RETURNN's names). */
  scores: Record<string, number>;
  /** Steps, seconds, ...: for people, never read back into decisions. */
  meta?: Record<string, number | string | boolean>;
}

/** An epoch's learning rate from the history of earlier epochs. */
export type LrPolicy = (epoch: number, ctl: LearningRateControl) => number;

const newbobRelative =
  (s: LrSettings): LrPolicy =>
  (epoch, ctl) =>
    newbob(epoch, ctl, s, "relative");

export const POLICIES: Record<string, (s: LrSettings) => LrPolicy> = {
  constant: (s) => (epoch, ctl) => ctl.mostRecent(epoch) ?? s.learningRate,
  newbob: newbobRelative,
  newbob_abs: (s) => (epoch, ctl) => newbob(epoch, ctl, s, "absolute"),
  newbob_multi_epoch: (s) => (epoch, ctl) => newbobMultiEpoch(epoch, ctl, s),
  newbob_rel: newbobRelative,
  newbob_relative: newbobRelative,
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

  /** RETURNN's set_default_learning_rate_for_epoch: records `lr` unless the epoch has a rate already. */
  setDefault(epoch: number, lr: number): number {
    const known = this.epochs.get(epoch);
    if (known) return known.learningRate;
    this.epochs.set(epoch, { learningRate: lr, scores: {} });
    return lr;
  }

  setScores(epoch: number, scores: Record<string, number>, meta?: EpochRecord["meta"]): void {
    const rec = this.epochs.get(epoch);
    if (!rec) throw new Error(`internal: scores for epoch ${epoch} before its learning rate`);
    const all = { ...rec.scores, ...scores };
    rec.scores = Object.fromEntries(
      Object.keys(all)
        .sort()
        .map((k) => [k, all[k]]),
    );
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

  /** The last recorded learning rate before `epoch` (RETURNN's get_most_recent_learning_rate), if any. */
  mostRecent(epoch: number): number | undefined {
    const last = this.epochsBefore(epoch).at(-1);
    return last === undefined ? undefined : this.epochs.get(last)!.learningRate;
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

  /** The history; `volatile: false` leaves out the times (VOLATILE_META), as checkpoints do. */
  toJSON(o: { volatile?: boolean } = {}): { errorKey: string | null; epochs: Record<string, EpochRecord> } {
    const epochs: Record<string, EpochRecord> = {};
    for (const e of [...this.epochs.keys()].sort((a, b) => a - b)) {
      const rec = this.epochs.get(e)!;
      const meta = rec.meta && o.volatile === false ? stable(rec.meta) : rec.meta;
      epochs[String(e)] = meta === rec.meta ? rec : { ...rec, meta };
    }
    return { errorKey: this.errorKey, epochs };
  }

  /** Takes the times (VOLATILE_META) of known epochs from a saved history, e.g. OUT/learning_rates.json. */
  loadVolatileMeta(saved: unknown): void {
    const epochs = (saved as { epochs?: Record<string, EpochRecord> } | null)?.epochs ?? {};
    for (const [e, rec] of Object.entries(epochs)) {
      const mine = this.epochs.get(Number(e));
      if (!mine || !rec?.meta) continue;
      const times = Object.fromEntries(Object.entries(rec.meta).filter(([k]) => VOLATILE_META.includes(k)));
      mine.meta = { ...mine.meta, ...times };
    }
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

const stable = (meta: NonNullable<EpochRecord["meta"]>) =>
  Object.fromEntries(Object.entries(meta).filter(([k]) => !VOLATILE_META.includes(k)));

/** RETURNN's calc_relative_error between two epochs; undefined when a value is missing. */
function relativeError(ctl: LearningRateControl, s: LrSettings, oldEpoch: number, newEpoch: number) {
  const [oldE, newE] = [ctl.errorOf(oldEpoch), ctl.errorOf(newEpoch)];
  if (oldE === undefined || newE === undefined) return undefined;
  let rel = (newE - oldE) / Math.abs(s.newbob.divByOld ? oldE : newE);
  const lr = ctl.epochs.get(newEpoch)!.learningRate;
  if (s.relativeErrorRelativeLr && lr > 0) rel /= lr / s.learningRate;
  return rel;
}

/** RETURNN's calc_learning_rate_decay_or_grow (growth applies when not decaying, unless told otherwise). */
function decayOrGrow(lr: number, s: LrSettings, decay: boolean, grow = !decay): number {
  if (decay) return lr * s.newbob.decay;
  return grow ? lr * s.newbob.growth : lr;
}

/** RETURNN's NewbobRelative / NewbobAbs: compare the last two epochs. */
function newbob(epoch: number, ctl: LearningRateControl, s: LrSettings, kind: "relative" | "absolute") {
  const before = ctl.epochsBefore(epoch);
  if (before.length === 0) return s.learningRate;
  const [prev, last] = [before.at(-2), before.at(-1)!];
  const lr = ctl.epochs.get(last)!.learningRate;
  if (prev === undefined) return lr;
  if (kind === "relative") {
    const rel = relativeError(ctl, s, prev, last);
    return rel === undefined ? lr : decayOrGrow(lr, s, rel > s.newbob.threshold);
  }
  const [oldE, newE] = [ctl.errorOf(prev), ctl.errorOf(last)];
  if (oldE === undefined || newE === undefined) return lr;
  return decayOrGrow(lr, s, newE - oldE > s.newbob.errorThreshold);
}

/** RETURNN's NewbobMultiEpoch.calc_learning_rate_for_epoch. */
function newbobMultiEpoch(epoch: number, ctl: LearningRateControl, s: LrSettings): number {
  const lr = ctl.mostRecent(epoch) ?? s.learningRate;
  const nb = s.newbob;
  if (nb.updateInterval > 1 && epoch % nb.updateInterval !== 1) return lr;
  const last = ctl.epochsBefore(epoch, true).slice(-(nb.numEpochs + 1));
  if (last.length < 2) return lr;
  let sum = 0;
  for (let i = 0; i + 1 < last.length; i++) {
    const rel = relativeError(ctl, s, last[i], last[i + 1]);
    if (rel === undefined) return lr;
    sum += rel;
  }
  const mean = sum / (last.length - 1);
  return decayOrGrow(lr, s, mean > nb.threshold, mean < nb.growThreshold);
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
      throw new ReproError(`${where}: ${key} must be ${what}, got ${shown(config[key])}`);
    return v;
  };
  const bool = (key: string): boolean => {
    const v = config[key] ?? false;
    if (typeof v !== "boolean")
      throw new ReproError(`${where}: ${key} must be true or false, got ${shown(v)}`);
    return v;
  };
  const control = config.learning_rate_control ?? "constant";
  if (typeof control !== "string" || !Object.hasOwn(POLICIES, control)) {
    const known = Object.keys(POLICIES).sort();
    throw new ReproError(
      `${where}: learning_rate_control ${JSON.stringify(control)}${didYouMean(String(control), known)}; supported: ${known.join(", ")}`,
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
      errorThreshold: num("newbob_error_threshold", -0.01),
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
      throw new ReproError(`${where}: learning_rates[${k}] must be a non-negative number, got ${shown(v)}`);
    out.set(e, v);
  }
  return out;
}
