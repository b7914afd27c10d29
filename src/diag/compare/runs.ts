import { existsSync } from "node:fs";
import { CONFIG_DEFAULTS } from "../../config/index.js";
import {
  checkpointDir,
  fingerprintParams,
  learningRatesPath,
  paramsPath,
  readParams,
} from "../../rundir/index.js";
import { ReproError } from "../../util/errors.js";
import { shortCommit } from "../diff/format.js";
import { isPlain, type Json, loadInput, readJsonFile } from "../diff/inputs.js";

export interface RunSummary {
  path: string;
  dir: string;
  /** The resolved config without `random_seed` (what runs of one experiment share). */
  config: Json;
  seed: number;
  /** The learning-rate control's error measure, e.g. `dev_score_output/output_prob`. */
  errorKey: string | null;
  /** Epoch → score key → value. */
  scores: Map<number, Record<string, number>>;
  /** Framework version and commit, kernels and Node: what makes runs of one config comparable bit for bit. */
  environment: string;
}

/** Loads one run directory; a path that is no run, or a run without manifest or scores, is a ReproError. */
export async function loadRunSummary(path: string): Promise<RunSummary> {
  const input = await loadInput(path);
  if (input.kind !== "run")
    throw new ReproError(`${path}: not a run directory (compare reads runs of repronet train)`);
  if (!input.manifest || !input.config)
    throw new ReproError(`${path}: ${input.notes[0] ?? "no usable manifest.json"}`);
  const notes: string[] = [];
  const lr = readJsonFile(learningRatesPath(input.dir), notes, "learning_rates.json");
  if (!isPlain(lr) || !isPlain(lr.epochs))
    throw new ReproError(
      `${path}: ${notes[0] ?? "learning_rates.json has no epochs"} (no finished epoch yet?)`,
    );
  const scores = new Map<number, Record<string, number>>();
  for (const [epoch, e] of Object.entries(lr.epochs)) {
    if (!isPlain(e) || !isPlain(e.scores)) continue;
    const values: Record<string, number> = {};
    for (const [k, v] of Object.entries(e.scores)) {
      const x = typeof v === "string" ? Number(v) : v; // non-finite scores are written as strings
      if (typeof x === "number") values[k] = x;
    }
    scores.set(Number(epoch), values);
  }
  const { random_seed: seed, ...config } = input.config;
  const m = input.manifest;
  const fw = isPlain(m.framework) ? m.framework : {};
  const environment = `repronet ${fw.version ?? "?"} (${shortCommit(fw.commit)}${fw.dirty ? ", dirty" : ""}), kernels ${m.kernels ?? "?"}, node ${m.node ?? "?"}`;
  return {
    path,
    dir: input.dir,
    config,
    seed: typeof seed === "number" ? seed : (CONFIG_DEFAULTS.get("random_seed") as number),
    errorKey: typeof lr.errorKey === "string" ? lr.errorKey : null,
    scores,
    environment,
  };
}

/**
 * The run's value of `metric` at `epoch`, or undefined. A one-loss run records
 * bare keys (`dev_score`) where runs with several losses add the loss name
 * (`dev_score_output`), so each form finds the other: a bare key maps to the
 * run's main loss (its error measure's loss).
 */
export function metricValue(run: RunSummary, metric: string, epoch: number): number | undefined {
  const s = run.scores.get(epoch);
  if (!s) return undefined;
  if (metric in s) return s[metric];
  const suffixed = /^([a-z0-9]+_(?:score|error))_(.+)$/i.exec(metric);
  if (suffixed && suffixed[1] in s) return s[suffixed[1]];
  if (/^[a-z0-9]+_(score|error)$/i.test(metric)) {
    const loss = run.errorKey ? /^[a-z0-9]+_(?:score|error)_(.+)$/i.exec(run.errorKey)?.[1] : undefined;
    if (loss !== undefined && `${metric}_${loss}` in s) return s[`${metric}_${loss}`];
  }
  return undefined;
}

/**
 * Fingerprint of the run's end-of-epoch checkpoint, or null when it has none
 * (e.g. cleaned up). One that exists but does not load is an error naming it:
 * a same-seed check must not pass or fail on a corrupt file.
 */
export function checkpointFingerprint(run: RunSummary, epoch: number): string | null {
  const path = paramsPath(checkpointDir(run.dir), epoch);
  if (!existsSync(path)) return null;
  return fingerprintParams(readParams(path)).digest;
}
