/**
 * What a run directory holds, read without taking its lock (for `sweep` and
 * other watchers): whether it was started, runs now, or how its last
 * invocation ended, and its last finished epoch with its score.
 */
import { existsSync } from "node:fs";
import { ReproError } from "../util/errors.js";
import { listCheckpoints } from "./checkpoint.js";
import { checkpointDir } from "./layout.js";
import { readLearningRates } from "./learning-rates.js";
import { isStale, type LockInfo, readLock } from "./lock.js";
import { readManifest } from "./manifest.js";

/**
 * `not started`: no manifest and no checkpoint; `running`: a live process holds
 * the lock; otherwise the last invocation's outcome, where `lost` means it
 * ended without saying how (killed, or the machine went away).
 */
export type RunState = "not started" | "running" | "interrupted" | "finished" | "failed" | "lost";

export interface RunStatus {
  state: RunState;
  /** The lock's holder when `running` (or a stale lock's, which the next train takes over). */
  lock: LockInfo | null;
  /** The last epoch with scores in learning_rates.json, or null. */
  lastEpoch: number | null;
  /** That epoch's value of the error measure (learning-rate control's key), or null. */
  lastScore: number | null;
  /** The error measure's key (`dev_score`, ...), or null when none is recorded. */
  errorKey: string | null;
  /** Why the files could not all be read (a corrupt manifest, ...), else null: the state is then a best guess. */
  problem: string | null;
}

/** The status of the run directory `dir` (never throws for a corrupt file: `problem` says it). */
export function readRunStatus(dir: string): RunStatus {
  let problem: string | null = null;
  const attempt = <T>(f: () => T, fallback: T): T => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof ReproError)) throw e;
      problem ??= e.message;
      return fallback;
    }
  };
  const held = readLock(dir);
  const lock = held === "unreadable" ? null : held;
  const manifest = attempt(() => readManifest(dir), null);
  const history = attempt(() => readLearningRates(dir), "missing" as const);
  let lastEpoch: number | null = null;
  let lastScore: number | null = null;
  let errorKey: string | null = null;
  if (history !== "missing") {
    const scored = Object.entries(history.epochs)
      .filter(([, r]) => r && Object.keys(r.scores ?? {}).length > 0)
      .map(([e]) => Number(e))
      .sort((a, b) => a - b);
    lastEpoch = scored.at(-1) ?? null;
    const key = history.errorKey;
    errorKey = key;
    const v = lastEpoch === null || key === null ? undefined : history.epochs[String(lastEpoch)].scores[key];
    lastScore = typeof v === "number" ? v : v === undefined ? null : Number(v);
  }
  const outcome = manifest?.history.at(-1)?.outcome;
  let state: RunState;
  if (lock && !isStale(lock)) state = "running";
  else if (!manifest && !(existsSync(dir) && listCheckpoints(checkpointDir(dir)).length > 0))
    state = problem ? "lost" : "not started";
  else state = outcome === undefined || outcome === "running" ? "lost" : outcome;
  return { state, lock, lastEpoch, lastScore, errorKey, problem };
}
