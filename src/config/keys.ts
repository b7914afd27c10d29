import { didYouMean, ReproError } from "../util/errors.js";
import type { ConfigFormat } from "./load.js";

export interface ConfigKeyDoc {
  name: string;
  /** What training uses when the key is unset (absent where it depends on other keys or the machine). */
  default?: unknown;
  description: string;
}

/**
 * Every top-level config key, sorted by name, with a one-line description (the
 * user docs are generated from this table). Names follow RETURNN. Listing a key
 * here only makes it a known name; whether the engine supports a value is
 * checked where the key is used.
 */
// biome-ignore format: one row per key
export const CONFIG_KEYS: readonly ConfigKeyDoc[] = [
  { name: "accum_grad_multiple_step", default: 1, description: "Accumulate gradients over this many steps before each update." },
  { name: "adam", default: false, description: "RETURNN flag: use Adam (when no `optimizer` dict is given), with `optimizer_epsilon`." },
  { name: "batch_size", default: 1, description: "Maximum number of frames per batch (longest sequence × number of sequences)." },
  { name: "batching", description: "Older RETURNN name for `seq_ordering`." },
  { name: "beam_size", description: "Default beam size of `repronet search` / `translate` (else the choice layer's `beam_size`)." },
  { name: "cache_size", description: "RETURNN key; no effect here (RETURNN's HDF cache size)." },
  { name: "cleanup_old_models", description: "Delete old checkpoints: true, or a dict with keep_last_n, keep_best_n, keep." },
  { name: "debug_grad", default: false, description: "Gradient trace: true (all layers) or a list of layer names; per step, each layer output's and parameter's gradient L2 norm, max |g| and non-finite count go to OUT/grads.jsonl (`--debug-grad` on train). A non-finite step names the first non-finite layer in forward order." },
  { name: "debug_mode", description: "RETURNN key; no effect here (a non-finite step always names the first non-finite layer)." },
  { name: "debug_print_layer_output_template", description: "RETURNN key; no effect here (logging)." },
  { name: "dev", description: "Development dataset, scored after each epoch; drives learning-rate control." },
  { name: "dev_bleu_every_n_epochs", default: 0, description: "Beam-search the dev set every N epochs and record `dev_bleu` and `dev_error_bleu` (= 100 − BLEU, usable as learning_rate_control_error_measure)." },
  { name: "device", description: "RETURNN key; no effect here (repronet runs on its CPU kernels: see `kernels`)." },
  { name: "eval_datasets", description: "Further datasets, by name, scored after each epoch." },
  { name: "extern_data", description: "Input and target data streams (e.g. data, classes) with dim, shape and sparse." },
  { name: "fingerprint_every_n_steps", default: 1, description: "Record 64-bit digests of the batch, the gradients and the updated parameters in train.jsonl every N steps (`fingerprint`; 0: off); `repronet diff` names the first differing step and which differed first." },
  { name: "gradient_clip", default: 0, description: "Clip every gradient element to [−c, c] (RETURNN: after gradient_noise, before the global-norm clip)." },
  { name: "gradient_clip_avg_norm", default: 0, description: "Per gradient tensor: scale it down so that its L2 norm / number of elements is at most this (tf.clip_by_average_norm)." },
  { name: "gradient_clip_global_norm", default: 0, description: "Clip gradients to this global L2 norm." },
  { name: "gradient_clip_norm", default: 0, description: "Per gradient tensor: scale it down to at most this L2 norm (tf.clip_by_norm)." },
  { name: "gradient_noise", default: 0, description: "Add truncated-normal noise with this std to every gradient each update (keyed RNG: seed, parameter, step)." },
  { name: "kernels", description: '"native", "js" or "auto" (default: native when the addon loads); `--kernels` wins.' },
  { name: "learning_rate", default: 1.0, description: "Initial learning rate." },
  { name: "learning_rate_control", default: "constant", description: 'Learning-rate schedule driven by dev scores ("constant", "newbob", "newbob_multi_epoch", ...).' },
  { name: "learning_rate_control_error_measure", description: 'Dev score that drives learning-rate control (e.g. "dev_score_output"). Without a dev set a dev_* key falls back to the main output\'s train score, as RETURNN.' },
  { name: "learning_rate_control_error_measure_rule", default: "repronet", description: "How the error measure is picked when several scores match." },
  { name: "learning_rate_control_min_num_epochs_per_new_lr", default: 0, description: "Minimum number of epochs to keep a learning rate before changing it again." },
  { name: "learning_rate_control_relative_error_relative_lr", default: false, description: "Scale the relative dev-score change by the ratio of the last learning rates." },
  { name: "learning_rate_file", description: "RETURNN key; no effect here (the history is OUT/learning_rates.json)." },
  { name: "learning_rate_schedule", default: "constant", description: 'Per-step learning-rate schedule: "constant" (default), "noam", or a function in TS/JS configs.' },
  { name: "learning_rate_warmup_steps", default: 0, description: "Number of steps over which the learning rate warms up linearly." },
  { name: "learning_rates", description: "Learning rates for the first epochs (list, or dict epoch → rate)." },
  { name: "log", description: "RETURNN key; no effect here (RETURNN's log file)." },
  { name: "log_batch_size", description: "RETURNN key; no effect here (logging)." },
  { name: "log_every_n_steps", default: 1, description: "Log training progress every N steps." },
  { name: "log_grad_norms", default: false, description: "Record every trainable parameter's gradient norm per step in train.jsonl (`grad_norms`); `repronet diff` then names the first parameter whose gradient differs." },
  { name: "log_verbosity", default: 5, description: "Log verbosity 0–5 (5: every step line; 3–4: progress bar on a terminal; 2: epoch summaries only)." },
  { name: "log_zero_scaled_losses", default: true, description: "Also log losses whose loss_scale is 0." },
  { name: "max_seq_length", description: "Skip training sequences longer than this (a number, or a dict per data key)." },
  { name: "max_seqs", default: -1, description: "Maximum number of sequences per batch." },
  { name: "min_learning_rate", default: 0, description: "Lower bound for the learning rate under learning-rate control." },
  { name: "model", description: "RETURNN key; no effect here (checkpoints go to OUT/checkpoints)." },
  { name: "multiprocessing", description: "RETURNN key; no effect here (Theano-era)." },
  { name: "nadam", default: false, description: "RETURNN flag: Nadam; not supported yet (an error when true)." },
  { name: "network", description: "The network: a dict of layer name → layer dict." },
  { name: "newbob_error_threshold", default: -0.01, description: "Absolute dev-score change above which newbob_abs decays the learning rate." },
  { name: "newbob_learning_rate_decay", default: 0.5, description: "Factor applied to the learning rate when the dev score does not improve enough." },
  { name: "newbob_learning_rate_growth", default: 1.0, description: "Factor applied to the learning rate when the dev score improves by more than the grow threshold." },
  { name: "newbob_multi_num_epochs", default: 5, description: "Number of (sub-)epochs whose scores newbob_multi_epoch combines." },
  { name: "newbob_multi_update_interval", description: "Update the learning rate every N epochs under newbob_multi_epoch." },
  { name: "newbob_relative_error_div_by_old", default: false, description: "Divide the relative dev-score change by the old score instead of the new one." },
  { name: "newbob_relative_error_grow_threshold", description: "Relative improvement beyond which the learning rate grows." },
  { name: "newbob_relative_error_threshold", default: -0.01, description: "Relative dev-score change above which the learning rate decays." },
  { name: "num_epochs", default: 5, description: "Number of (sub-)epochs to train." },
  { name: "num_inputs", description: "RETURNN key; `repronet import` turns it into extern_data (training reads extern_data)." },
  { name: "num_outputs", description: "RETURNN key; `repronet import` turns it into extern_data (training reads extern_data)." },
  { name: "optimizer", description: 'Optimizer dict, e.g. {"class": "adam", "epsilon": 1e-8}.' },
  { name: "optimizer_epsilon", description: "Epsilon of the optimizer picked by `adam` (RETURNN default 1e-16), or of an `optimizer` dict without one." },
  { name: "param_init_seeding", default: "keyed", description: '"keyed": a parameter\'s initial value depends on its name only; "returnn": on its layer\'s place in RETURNN\'s construction order, as in RETURNN/TF (`--compat returnn-seeding` on train), to reproduce order effects.' },
  { name: "partition_epoch", default: 1, description: "Split each pass over the training data into this many sub-epochs." },
  { name: "pretrain", description: 'Layer-wise pretraining: "default", or a dict (repetitions, construction_algo, ...).' },
  { name: "pretrain_learning_rate", description: "Learning rate during pretraining." },
  { name: "pretrain_reset_optimizer", default: false, description: "Reset the optimizer state whenever the pretraining network grows." },
  { name: "random_seed", default: 42, description: "Seed for all randomness (initialization, dropout, shuffling)." },
  { name: "save_interval", default: 1, description: "Save a checkpoint every N epochs." },
  { name: "search_data", description: "A dataset for `repronet search --data search_data`." },
  { name: "search_output_layer", description: "The layer `repronet search` / `translate` search with (default `decision`, else `output`)." },
  { name: "seq_ordering", description: 'Order of sequences within an epoch ("default", "random", "sorted", "laplace:N", ...).' },
  { name: "target", default: "classes", description: "The default target (RETURNN's `ExternData.default_target`): a layer with a `loss` and no `target` takes this data key." },
  { name: "task", description: "RETURNN key; no effect here (`repronet train` trains, `repronet search` searches)." },
  { name: "tf_log_memory_usage", description: "RETURNN key; no effect here (logging)." },
  { name: "tf_session_opts", description: "RETURNN key; no effect here (TensorFlow session options)." },
  { name: "threads", description: "Native kernel threads (default: all cores); `--threads` wins. Results never depend on it." },
  { name: "train", description: "Training dataset." },
  { name: "truncation", description: "RETURNN key; no effect here (a Theano truncated-BPTT option, unread by RETURNN's TF backend)." },
  { name: "update_on_device", description: "RETURNN key; no effect here (Theano-era)." },
  { name: "use_learning_rate_control_always", default: false, description: "Apply learning-rate control also during pretraining." },
  { name: "use_tensorflow", description: "RETURNN key; no effect here (repronet has its own engine)." },
  { name: "vocab", description: "RETURNN key; no effect here (datasets name their vocabularies, e.g. parallel_text `vocab`)." },
  { name: "window", description: "RETURNN dataset frame stacking: only 1 (none) is accepted, with no effect." },
];

/** The names in `CONFIG_KEYS`. */
export const KNOWN_CONFIG_KEYS: ReadonlySet<string> = new Set(CONFIG_KEYS.map((k) => k.name));

/**
 * Throws a ReproError naming the first unknown top-level key, with a did-you-mean
 * hint; in a Python config, where helper variables are common, a key with no
 * close match gets the hint that `_`-prefixed names stay local.
 */
export function checkTopLevelKeys(
  config: Record<string, unknown>,
  file: string,
  format?: ConfigFormat,
): void {
  for (const key of Object.keys(config)) {
    if (KNOWN_CONFIG_KEYS.has(key)) continue;
    let hint = didYouMean(key, KNOWN_CONFIG_KEYS);
    if (hint === "" && format === "python") {
      hint = ` (a helper variable? name it "_${key}": names starting with "_" stay local to the config)`;
    }
    throw new ReproError(`${file}: unknown config key "${key}"${hint}`);
  }
}

/** Fixed defaults by key (`test/train/settings.test.ts` checks them against training). */
export const CONFIG_DEFAULTS: ReadonlyMap<string, unknown> = new Map(
  CONFIG_KEYS.filter((k) => "default" in k).map((k) => [k.name, k.default]),
);

/** The key table as Markdown, for the user docs. */
export function configKeysMarkdown(): string {
  const cell = (k: ConfigKeyDoc) => ("default" in k ? `\`${JSON.stringify(k.default)}\`` : "");
  const rows = CONFIG_KEYS.map(
    (k) => `| \`${k.name}\` | ${cell(k)} | ${k.description.replaceAll("|", "\\|")} |`,
  );
  return ["| Key | Default | Description |", "| --- | --- | --- |", ...rows].join("\n");
}
