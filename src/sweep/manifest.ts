/**
 * The sweep's manifest, `DIR/sweep.json`: the SPEC it was made from, the
 * baseline, every run (variant, seed, config hash, how many times it was
 * started) and, for the Slurm executor, every job it submitted. `repronet
 * compare DIR` and `repronet sweep status DIR` read it to find the runs.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { ReproError } from "../util/errors.js";

export const SWEEP_FORMAT = "repronet/sweep/1";
export const SWEEP_MANIFEST = "sweep.json";

export interface SweepRunRecord {
  id: string;
  variant: string;
  seed: number;
  config_sha256: string;
  /** How many times a `train` was started for it (by any executor). */
  attempts: number;
}

export interface SlurmJobRecord {
  job_id: string;
  /** The array task ids submitted, as run ids in the same order (task i runs tasks[i]). */
  runs: string[];
  submitted_at: string;
}

export interface SweepManifest {
  format: string;
  spec: string;
  baseline: string;
  variants: string[];
  seeds: number[];
  runs: SweepRunRecord[];
  slurm_jobs: SlurmJobRecord[];
}

export const sweepManifestPath = (dir: string): string => join(dir, SWEEP_MANIFEST);

/** The manifest of a sweep directory, or null when `dir` holds none. */
export function readSweepManifest(dir: string): SweepManifest | null {
  let text: string;
  try {
    text = readFileSync(sweepManifestPath(dir), "utf8");
  } catch {
    return null;
  }
  let m: SweepManifest;
  try {
    m = JSON.parse(text) as SweepManifest;
  } catch (e) {
    throw new ReproError(`${sweepManifestPath(dir)}: not valid JSON (${(e as Error).message})`);
  }
  if (m?.format !== SWEEP_FORMAT || !Array.isArray(m.runs))
    throw new ReproError(`${sweepManifestPath(dir)}: not a repronet sweep manifest (format ${SWEEP_FORMAT})`);
  m.slurm_jobs ??= [];
  return m;
}

export function writeSweepManifest(dir: string, m: SweepManifest): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(sweepManifestPath(dir), `${JSON.stringify(m, null, 2)}\n`);
}

/** Adds one to a run's attempts and writes the manifest. */
export function countAttempt(dir: string, m: SweepManifest, id: string): void {
  const r = m.runs.find((x) => x.id === id);
  if (r) r.attempts++;
  writeSweepManifest(dir, m);
}
