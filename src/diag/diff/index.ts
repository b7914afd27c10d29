/**
 * `repronet diff A B`: compares two runs, configs or checkpoints and says
 * whether they are identical and, when not, where they first differ and why.
 *
 * | A \ B      | run                          | config | checkpoint          |
 * | ---        | ---                          | ---    | ---                 |
 * | run        | environment, config, training, parameters | config | parameters (the run's newest complete checkpoint) |
 * | config     | config (the run's recorded config) | config | error       |
 * | checkpoint | parameters                   | error  | parameters          |
 *
 * Exit code (see src/cli/diff.ts): 0 identical, 1 different, 2 error.
 */
import { readParams, resolveParamsFile } from "../../rundir/index.js";
import { ReproError } from "../../util/errors.js";
import { diffConfigs } from "./config-diff.js";
import { diffEnvironments } from "./environment.js";
import { type Input, type Json, loadInput, type RunInput } from "./inputs.js";
import { compareParams } from "./params.js";
import { seedingExplanation } from "./seeding.js";
import { refineRunVerdict } from "./steps.js";
import { diffTraining } from "./training.js";
import type {
  ConfigSection,
  DiffReport,
  EnvironmentSection,
  ParametersSection,
  TrainingSection,
  Verdict,
} from "./types.js";
import { configVerdict, paramsVerdict, runVerdict } from "./verdict.js";

export type { DiffReport } from "./types.js";

function configOf(input: Input): Json | null {
  return input.kind === "config" ? input.config : input.kind === "run" ? input.config : null;
}

/** The parameter file a checkpoint or run input stands for (a run: its newest complete checkpoint). */
function paramsFile(input: Input): string {
  return input.kind === "run" ? resolveParamsFile(input.dir) : input.path;
}

function runNotes(input: Input, side: string): string[] {
  return input.kind === "run" ? input.notes.map((n) => `${side}: ${n}`) : [];
}

/** Compares two inputs (already loaded). */
export function diffInputs(a: Input, b: Input): DiffReport {
  const kinds = [a.kind, b.kind];
  if (kinds.includes("checkpoint") && kinds.includes("config"))
    throw new ReproError(
      `cannot compare a config with a checkpoint (${a.kind === "config" ? a.path : b.path}): compare the config with the run directory the checkpoint belongs to`,
    );
  let environment: EnvironmentSection | null = null;
  let config: ConfigSection | null = null;
  let training: TrainingSection | null = null;
  let parameters: ParametersSection | null = null;
  let verdict: Verdict;

  if (kinds.includes("checkpoint")) {
    const [fa, fb] = [paramsFile(a), paramsFile(b)];
    parameters = compareParams(readParams(fa), readParams(fb), { fileA: fa, fileB: fb, checkpoint: null });
    verdict = paramsVerdict(parameters);
  } else {
    const [ca, cb] = [configOf(a), configOf(b)];
    if (ca && cb) config = diffConfigs(ca, cb, a.path, b.path);
    if (a.kind === "run" && b.kind === "run") {
      environment = runEnvironment(a, b);
      const t = diffTraining(a, b);
      training = t.section;
      if (t.newest)
        parameters = compareParams(t.newest.a.params, t.newest.b.params, {
          fileA: t.newest.a.path,
          fileB: t.newest.b.path,
          checkpoint: t.newest.a.name,
        });
      verdict = refineRunVerdict(
        runVerdict(training, config, environment, parameters),
        training,
        ca && cb && t.newest ? seedingExplanation(ca, cb, [...t.newest.a.params.keys()]) : null,
      );
    } else if (config) {
      verdict = configVerdict(config);
    } else {
      const which = ca ? b : a;
      throw new ReproError(`${which.path}: its manifest records no config to compare`);
    }
  }
  return {
    a: { path: a.path, kind: a.kind },
    b: { path: b.path, kind: b.kind },
    verdict,
    exitCode: verdict.status === "identical" ? 0 : 1,
    environment,
    config,
    training,
    parameters,
  };
}

function runEnvironment(a: RunInput, b: RunInput): EnvironmentSection {
  const notes = [...runNotes(a, "A"), ...runNotes(b, "B")];
  if (!a.manifest || !b.manifest) return { changes: [], same: [], history: [], notes };
  const env = diffEnvironments(a.manifest, b.manifest);
  return { ...env, notes: [...notes, ...env.notes] };
}

/** Loads and compares two paths (run directories, config files, checkpoint files). */
export async function diffPaths(pathA: string, pathB: string): Promise<DiffReport> {
  const [a, b] = [await loadInput(pathA), await loadInput(pathB)];
  return diffInputs(a, b);
}
