/**
 * `D/learning_rates.json`: the learning-rate control's history (every epoch's
 * learning rate, scores and times), rewritten atomically after each epoch.
 * RETURNN keeps the same history in its `learning_rate_file`.
 */
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../util/atomic.js";
import { ReproError } from "../util/errors.js";
import { finiteJson } from "./checkpoint.js";
import { learningRatesPath, withFsErrors } from "./layout.js";

/** The history as LearningRateControl.toJSON() returns it. */
export interface LearningRateHistory {
  errorKey: string | null;
  epochs: Record<string, { learningRate: number; scores: Record<string, number>; meta?: object }>;
}

/** Writes the history atomically (non-finite numbers as strings). */
export function writeLearningRates(dir: string, history: unknown): string {
  const path = learningRatesPath(dir);
  const text = `${JSON.stringify(history, finiteJson, 2)}\n`;
  withFsErrors(() => writeFileAtomic(path, text), path);
  return path;
}

/**
 * The history in `dir`: `"missing"` when there is no file, a ReproError
 * naming the file when it is unreadable or not a history.
 */
export function readLearningRates(dir: string): LearningRateHistory | "missing" {
  const path = learningRatesPath(dir);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    return withFsErrors(() => {
      throw e;
    }, path);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ReproError(`${path}: corrupt (not JSON)`);
  }
  const h = v as LearningRateHistory;
  if (h === null || typeof h !== "object" || typeof h.epochs !== "object" || h.epochs === null)
    throw new ReproError(`${path}: corrupt (no "epochs")`);
  return h;
}
