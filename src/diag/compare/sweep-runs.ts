/**
 * `repronet compare SWEEP_DIR`: the runs of a sweep directory (its
 * `sweep.json`), labelled with their variant, the baseline's first, so each
 * variant is one group and every group is compared with the baseline.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { readSweepManifest } from "../../sweep/manifest.js";
import { ReproError } from "../../util/errors.js";

export interface LabelledRuns {
  paths: string[];
  /** The group (variant) of each path. */
  labels: string[];
}

/** The sweep's runs that have started (a manifest), or null when `dir` is no sweep directory. */
export function sweepRuns(dir: string): LabelledRuns | null {
  const m = readSweepManifest(dir);
  if (m === null) return null;
  const order = [m.baseline, ...m.variants.filter((v) => v !== m.baseline)];
  const runs = order.flatMap((v) => m.runs.filter((r) => r.variant === v));
  const started = runs.filter((r) => existsSync(join(dir, r.id, "manifest.json")));
  if (started.length < 2)
    throw new ReproError(
      `${dir}: ${started.length} of the sweep's ${runs.length} runs have started; compare needs two`,
    );
  return { paths: started.map((r) => join(dir, r.id)), labels: started.map((r) => r.variant) };
}
