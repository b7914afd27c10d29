/**
 * The sweep's view of a run directory, read through `src/rundir/` without
 * taking the run's lock: pending, running (a live `train` holds `D/.lock`),
 * interrupted, finished or failed, its last finished epoch and score, and the
 * config hash it was trained with. A run that ended without saying how
 * (`lost`: killed, or its node went away) is interrupted here: the next
 * attempt resumes it from its newest checkpoint. A train on another machine
 * holds a lock of another host, which counts as running until Slurm says
 * otherwise (the Slurm executor asks Slurm).
 */
import { readManifest, readRunStatus } from "../rundir/index.js";
import { ReproError } from "../util/errors.js";

export type RunStateName = "pending" | "running" | "interrupted" | "finished" | "failed";

export interface RunState {
  state: RunStateName;
  /** Last epoch with scores (0 when none). */
  epoch: number;
  /** The error measure's value at that epoch. */
  lastScore: { key: string; value: number } | null;
  /** `sha256:…` of the config the run was trained with, null when unknown. */
  configSha256: string | null;
}

export function readRunState(dir: string): RunState {
  const status = readRunStatus(dir);
  const state: RunStateName =
    status.state === "not started" ? "pending" : status.state === "lost" ? "interrupted" : status.state;
  let configSha256: string | null = null;
  try {
    configSha256 = readManifest(dir)?.config?.sha256 ?? null;
  } catch (e) {
    if (!(e instanceof ReproError)) throw e; // a corrupt manifest: train itself reports it
  }
  const lastScore =
    status.lastScore === null ? null : { key: status.errorKey ?? "error measure", value: status.lastScore };
  return { state, epoch: status.lastEpoch ?? 0, lastScore, configSha256 };
}

/** Whether a live `train` holds the run directory's lock. */
export function isTrainAlive(dir: string): boolean {
  return readRunStatus(dir).state === "running";
}
