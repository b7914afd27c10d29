/**
 * From a SPEC to the runs of the sweep: one run directory
 * `DIR/<variant>/seed-<n>/` per variant and seed, the exact `repronet train`
 * arguments that produce it, and the hash of its resolved config (what the
 * run's manifest will record), so that a changed SPEC is caught before
 * anything runs. Every variant's config is loaded and checked here.
 */
import { join, relative } from "node:path";
import { applyOverrides, checkTopLevelKeys, loadConfig } from "../config/index.js";
import { configHash } from "../rundir/index.js";
import { ReproError } from "../util/errors.js";
import type { SweepSpec } from "./spec.js";

export interface PlannedRun {
  /** `<variant>/seed-<n>`: its directory relative to the sweep directory, and its name in messages. */
  id: string;
  variant: string;
  seed: number;
  /** Absolute run directory. */
  dir: string;
  /** Arguments after `repronet`: `train CONFIG --out DIR --set ...` (no `--threads`). */
  trainArgs: string[];
  /** `sha256:…` of the resolved config, as `repronet train` records it in the run's manifest. */
  configSha256: string;
}

export const runId = (variant: string, seed: number): string => `${variant}/seed-${seed}`;

/** The runs of a sweep, variant by variant, each variant's seeds in SPEC order. */
export async function planSweep(spec: SweepSpec, outDir: string): Promise<PlannedRun[]> {
  const runs: PlannedRun[] = [];
  for (const v of spec.variants) {
    let loaded: Awaited<ReturnType<typeof loadConfig>>;
    try {
      loaded = await loadConfig(v.config);
    } catch (e) {
      throw e instanceof ReproError ? new ReproError(`variant "${v.name}": ${e.message}`) : e;
    }
    for (const seed of spec.seeds) {
      const sets = [...v.sets, `random_seed=${seed}`];
      let config: Record<string, unknown>;
      try {
        config = applyOverrides(loaded.config, sets);
        checkTopLevelKeys(config, v.config, loaded.format);
      } catch (e) {
        throw e instanceof ReproError ? new ReproError(`variant "${v.name}": ${e.message}`) : e;
      }
      const id = runId(v.name, seed);
      const dir = join(outDir, v.name, `seed-${seed}`);
      runs.push({
        id,
        variant: v.name,
        seed,
        dir,
        trainArgs: ["train", v.config, "--out", dir, ...sets.flatMap((s) => ["--set", s])],
        configSha256: configHash(config),
      });
    }
  }
  return runs;
}

/** `DIR/v/seed-1` → `v/seed-1` for messages, whatever the current directory. */
export const shortPath = (outDir: string, run: PlannedRun): string =>
  join(relative(process.cwd(), outDir) || ".", run.id);
