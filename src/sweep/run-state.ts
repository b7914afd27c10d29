/**
 * The one place the sweep reads a run directory's state (so it can follow the
 * run-directory module when that changes): whether the run is pending,
 * running, interrupted, finished or failed, its last finished epoch and last
 * error-measure score, and the config hash it was trained with.
 *
 * Today it reads `manifest.json` (how the latest `train` invocation ended)
 * and `learning_rates.json`. A manifest that still says "running" is either a
 * live `train` or one that was killed; a live one is recognised by a
 * `D/.lock` holding a live pid (when the run-directory module writes one) or,
 * failing that, by a process on this machine whose command line is
 * `repronet train … --out D`. A train running on another machine (Slurm) is
 * not seen this way: the Slurm executor asks Slurm instead.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import { readManifest } from "../diag/manifest.js";

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

const PENDING: RunState = { state: "pending", epoch: 0, lastScore: null, configSha256: null };

export function readRunState(dir: string): RunState {
  const manifest = readManifest(dir);
  if (manifest === null)
    return existsSync(join(dir, "checkpoints")) ? { ...PENDING, state: "interrupted" } : PENDING;
  const last = manifest.history?.[manifest.history.length - 1];
  const outcome = last?.outcome ?? "running";
  const state: RunStateName =
    outcome === "finished" || outcome === "failed" || outcome === "interrupted"
      ? outcome
      : outcome === "running" && isTrainAlive(dir)
        ? "running"
        : "interrupted"; // killed ("lost"): resumable from its newest checkpoint
  return { state, ...lastEpoch(dir), configSha256: manifest.config?.sha256 ?? null };
}

function lastEpoch(dir: string): Pick<RunState, "epoch" | "lastScore"> {
  try {
    const lr = JSON.parse(readFileSync(join(dir, "learning_rates.json"), "utf8")) as {
      errorKey?: string | null;
      epochs?: Record<string, { scores?: Record<string, number | string> }>;
    };
    const epochs = Object.keys(lr.epochs ?? {})
      .map(Number)
      .filter(Number.isInteger);
    if (epochs.length === 0) return { epoch: 0, lastScore: null };
    const epoch = Math.max(...epochs);
    const key = lr.errorKey ?? null;
    const raw = key === null ? undefined : lr.epochs?.[epoch]?.scores?.[key];
    return { epoch, lastScore: key === null || raw === undefined ? null : { key, value: Number(raw) } };
  } catch {
    return { epoch: 0, lastScore: null };
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A live train on `dir`: its lock's pid, else a local process `… train … --out dir`. */
export function isTrainAlive(dir: string): boolean {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, ".lock"), "utf8"), 10);
    if (Number.isInteger(pid) && pid > 0) return pidAlive(pid);
  } catch {
    // no lock file (yet): look at the processes
  }
  return trainProcessFor(dir);
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

/** Whether a process on this machine runs `train` with `--out dir` (Linux /proc; false elsewhere). */
function trainProcessFor(dir: string): boolean {
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return false;
  }
  for (const pid of pids) {
    let argv: string[];
    let cwd: string;
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (!argv.includes("train")) continue;
      cwd = realpathSync(`/proc/${pid}/cwd`);
    } catch {
      continue; // gone, or not ours to read
    }
    const at = argv.indexOf("--out");
    if (at >= 0 && at + 1 < argv.length && samePath(resolve(cwd, argv[at + 1]), dir)) return true;
  }
  return false;
}
