/**
 * A RETURNN config's globals (from the Python runner) → a plain repronet
 * config plus notes, one per thing that was not carried over:
 *
 * - known config keys are kept; `num_outputs` / `num_inputs` become
 *   `extern_data` (when it is not set); extern_data is kept as written
 *   (training reads every RETURNN form);
 * - a pretrain `construction_algo` function was evaluated by the runner: its
 *   networks become the data form `construction_algo: [net0, net1, ...]`
 *   (the full network follows as the last step, as in RETURNN);
 * - net dicts are mapped by network.ts (SpecAugment eval layers, "#" keys,
 *   runtime-only layer options);
 * - other globals are helpers (RETURNN ignores them too): left out, listed in
 *   one note; one close to a known key gets its own note with the hint.
 */
import { didYouMean, ReproError } from "../../util/errors.js";
import { externDataFromNums } from "../extern-data.js";
import { KNOWN_CONFIG_KEYS } from "../keys.js";
import { isPlainObject } from "../plain.js";
import { mapNetwork } from "./network.js";
import type { PythonGlobals } from "./run.js";

export interface ImportResult {
  config: Record<string, unknown>;
  notes: string[];
}

/**
 * RETURNN keys with an effect on training that repronet does not implement:
 * left out with one note each, so that nobody mistakes the run for RETURNN's.
 */
const NOT_IMPLEMENTED = [
  "adadelta",
  "adagrad",
  "chunking",
  "gradient_nan_inf_filter",
  "import_model_train_epoch1",
  "load",
  "maximize_grad_norm",
  "mean_normalized_sgd",
  "min_seq_length",
  "momentum",
  "preload_from_files",
  "rmsprop",
  "start_epoch",
  "update_multiple_models",
  "use_last_best_model",
];

/** RETURNN keys that only steer its runtime or debugging (left out, in one note). */
const RUNTIME_ONLY = [
  "debug_add_check_numerics_on_output",
  "debug_add_check_numerics_ops",
  "debug_grad_summaries",
  "flat_net_construction",
  "stop_on_nonfinite_train_score",
  "tf_log_dir",
  "use_cache_manager",
];

export function mapReturnnGlobals(py: PythonGlobals, file: string): ImportResult {
  const notes: string[] = [];
  const config: Record<string, unknown> = {};
  const helpers: string[] = [];
  const runtime: string[] = [];
  for (const name of Object.keys(py.globals).sort()) {
    if (name.startsWith("_")) continue;
    const value = py.globals[name];
    if (KNOWN_CONFIG_KEYS.has(name)) config[name] = value;
    else if (NOT_IMPLEMENTED.includes(name))
      notes.push(`note: RETURNN key ${name} is not implemented: left out (training differs from RETURNN's)`);
    else if (RUNTIME_ONLY.includes(name)) runtime.push(name);
    else {
      helpers.push(name);
      const hint = didYouMean(name, KNOWN_CONFIG_KEYS);
      if (hint) notes.push(`note: "${name}" is not a config key${hint}: left out as a helper global`);
    }
  }
  for (const name of Object.keys(py.unexpressible).sort())
    notes.push(`note: ${name}: ${py.unexpressible[name]} cannot be written as data (left out)`);
  for (const name of [...py.functions].sort())
    notes.push(`note: function ${name} is not carried over (repronet runs no Python)`);
  if (runtime.length > 0)
    notes.push(`note: RETURNN runtime keys left out (no effect here): ${runtime.join(", ")}`);
  if (helpers.length > 0) notes.push(`note: helper globals left out: ${helpers.join(", ")}`);
  notes.push(...py.notes.map((n) => `note: ${n}`));

  if (config.extern_data === undefined) {
    const extern = externDataFromNums(config.num_outputs, config.num_inputs, config.target, file);
    if (extern) {
      config.extern_data = extern;
      notes.push("note: num_outputs/num_inputs written as extern_data");
    }
  }
  delete config.num_outputs;
  delete config.num_inputs;

  const fns = new Set(py.functions);
  if (py.pretrainSteps) {
    const pretrain = isPlainObject(config.pretrain) ? config.pretrain : {};
    const stepNotes: string[][] = [];
    const steps = py.pretrainSteps.map((step, i) => {
      stepNotes.push([]);
      return mapNetwork(step, fns, "pretrain step %", stepNotes[i], ["#repetition"]);
    });
    notes.push(...mergeStepNotes(stepNotes));
    config.pretrain = { ...pretrain, construction_algo: steps };
    notes.push(`note: pretrain construction_algo evaluated: ${steps.length} networks before the full one`);
  }
  if (isPlainObject(config.network)) config.network = mapNetwork(config.network, fns, "network", notes);
  if (config.network === undefined)
    throw new ReproError(
      `${file}: the config defines no "network" dict (get_network functions are not supported yet)`,
    );
  return { config: sortKeys(config), notes: [...new Set(notes)] };
}

/** One note per distinct change, naming the steps it was made in ("pretrain steps 0-7: ..."). */
function mergeStepNotes(perStep: string[][]): string[] {
  const steps = new Map<string, number[]>();
  perStep.forEach((notes, i) => {
    for (const n of new Set(notes)) steps.set(n, [...(steps.get(n) ?? []), i]);
  });
  return [...steps].map(([note, idx]) => {
    const contiguous = idx.every((x, k) => k === 0 || x === idx[k - 1] + 1);
    const which =
      idx.length === 1
        ? `step ${idx[0]}`
        : contiguous
          ? `steps ${idx[0]}-${idx[idx.length - 1]}`
          : `steps ${idx.join(", ")}`;
    return note.replace("pretrain step %", `pretrain ${which}`);
  });
}

function sortKeys(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(config)
      .sort()
      .map((k) => [k, config[k]]),
  );
}
