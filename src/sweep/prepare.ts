/**
 * Everything a sweep checks before it starts a run: the SPEC loads, every
 * variant's config loads with its overrides, and no run that already exists
 * was trained with another config than the SPEC now gives it (unless
 * `--force`, which starts such runs afresh). Writes `DIR/sweep.json`.
 */
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { ReproError } from "../util/errors.js";
import { readSweepManifest, type SweepManifest, writeSweepManifest } from "./manifest.js";
import { type PlannedRun, planSweep } from "./plan.js";
import { readRunState } from "./run-state.js";
import { loadSpec, type SweepSpec } from "./spec.js";

export interface PreparedSweep {
  dir: string;
  spec: SweepSpec;
  runs: PlannedRun[];
  manifest: SweepManifest;
}

const short = (hash: string | null) => (hash ?? "unknown").replace(/^sha256:/, "").slice(0, 12);

export async function prepareSweep(
  specFile: string,
  outDir: string,
  o: { force?: boolean; write?: boolean } = {},
): Promise<PreparedSweep> {
  const dir = resolve(outDir);
  const spec = await loadSpec(specFile);
  const runs = await planSweep(spec, dir);
  for (const run of runs) {
    const st = readRunState(run.dir);
    if (st.state === "pending" || st.configSha256 === run.configSha256) continue;
    if (st.state === "running")
      throw new ReproError(`${run.dir}: a train is running on it; wait for it or stop it first`);
    if (!o.force)
      throw new ReproError(
        `${run.dir}: the SPEC changes this ${st.state} run's config (${short(st.configSha256)} → ${short(run.configSha256)}); pass --force to train it again from scratch`,
      );
    if (o.write !== false) rmSync(run.dir, { recursive: true, force: true });
  }
  const previous = readSweepManifest(dir);
  const attempts = new Map(previous?.runs.map((r) => [r.id, r]) ?? []);
  const manifest: SweepManifest = {
    format: "repronet/sweep/1",
    spec: spec.path,
    baseline: spec.baseline,
    variants: spec.variants.map((v) => v.name),
    seeds: spec.seeds,
    runs: runs.map((r) => {
      const before = attempts.get(r.id);
      const same = before?.config_sha256 === r.configSha256;
      return {
        id: r.id,
        variant: r.variant,
        seed: r.seed,
        config_sha256: r.configSha256,
        attempts: same ? before.attempts : 0,
      };
    }),
    slurm_jobs: previous?.slurm_jobs ?? [],
  };
  if (o.write !== false) writeSweepManifest(dir, manifest);
  return { dir, spec, runs, manifest };
}
