/**
 * RETURNN top-level keys read as RETURNN defines them (the TF backend;
 * returnn/tf/updater.py, returnn/__main__.py), for the training settings:
 *
 * - keys that only tune RETURNN's runtime are accepted with one note each;
 * - `adam` / `nadam` / `optimizer_epsilon` choose the optimizer when no
 *   `optimizer` dict does (RETURNN's priority: optimizer dict > adam > nadam);
 * - `gradient_noise`, `gradient_clip` are read as numbers ≥ 0.
 */
import { ReproError } from "../util/errors.js";
import { isPlainObject } from "./plain.js";

/** Keys with no effect here, and why (one note each when set). */
export const RUNTIME_ONLY_KEYS: Readonly<Record<string, string>> = {
  cache_size: "RETURNN's HDF cache size; repronet reads on demand",
  debug_print_layer_output_template: "RETURNN logging",
  log: "RETURNN's log file; repronet logs to OUT/train.log",
  log_batch_size: "RETURNN logging",
  multiprocessing: "a Theano-era option, unread by RETURNN's TF backend",
  num_inputs: "`repronet import` turns it into extern_data; training reads extern_data",
  num_outputs: "`repronet import` turns it into extern_data; training reads extern_data",
  tf_log_memory_usage: "RETURNN logging",
  tf_session_opts: "TensorFlow session options",
  truncation: "a Theano truncated-BPTT option, not read by RETURNN's TF backend",
  update_on_device: "a Theano-era option, unread by RETURNN's TF backend",
  window: "dataset frame stacking; only window 1 (no stacking) is accepted",
};

/** RETURNN's default `optimizer_epsilon` (returnn/tf/updater.py). */
export const RETURNN_OPTIMIZER_EPSILON = 1e-16;

/** One note per runtime-only key that is set; throws for a `window` other than 1. */
export function runtimeOnlyNotes(config: Record<string, unknown>, file: string): string[] {
  const w = config.window;
  if (w !== undefined && w !== null && w !== 1)
    throw new ReproError(
      `${file}: window ${JSON.stringify(w)} is not supported (RETURNN's dataset frame stacking; only 1 = none)`,
    );
  return Object.keys(RUNTIME_ONLY_KEYS)
    .filter((k) => config[k] !== undefined)
    .map((k) => `note: config key ${k} has no effect: ${RUNTIME_ONLY_KEYS[k]}`);
}

/**
 * The `optimizer` value training uses: the `optimizer` dict if given, else
 * `adam: True` → {"class": "adam"}; `optimizer_epsilon` (RETURNN default
 * 1e-16 when a flag picks the optimizer) fills in an unset epsilon.
 * `nadam` is not implemented: an error rather than a silent Adam.
 */
export function optimizerFromKeys(config: Record<string, unknown>, file: string): unknown {
  const flag = (key: string): boolean => {
    const v = config[key] ?? false;
    if (typeof v !== "boolean")
      throw new ReproError(`${file}: ${key} must be True or False, got ${JSON.stringify(v)}`);
    return v;
  };
  const adam = flag("adam");
  const nadam = flag("nadam");
  const eps = config.optimizer_epsilon;
  if (eps !== undefined && eps !== null && (typeof eps !== "number" || !(eps > 0) || !Number.isFinite(eps)))
    throw new ReproError(`${file}: optimizer_epsilon must be a positive number, got ${JSON.stringify(eps)}`);
  const dict = config.optimizer;
  if (dict !== undefined && dict !== null) {
    if (isPlainObject(dict) && typeof eps === "number" && dict.epsilon === undefined)
      return { ...dict, epsilon: eps };
    return dict;
  }
  if (adam) return { class: "adam", epsilon: eps ?? RETURNN_OPTIMIZER_EPSILON };
  if (nadam)
    throw new ReproError(`${file}: nadam is not supported yet (use adam: True or an optimizer dict)`);
  return eps === undefined || eps === null ? undefined : { class: "adam", epsilon: eps };
}

/** A number ≥ 0 (0 when unset). */
export function nonNegativeKey(config: Record<string, unknown>, key: string, file: string): number {
  const v = config[key] ?? 0;
  if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v))
    throw new ReproError(`${file}: ${key} must be a non-negative number, got ${JSON.stringify(v)}`);
  return v;
}
