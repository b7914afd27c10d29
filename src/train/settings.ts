/**
 * The engine's reading of a config: every key the training loop uses, with
 * RETURNN's names and defaults, validated before anything runs. Keys the
 * engine does not implement yet are errors rather than silently ignored;
 * keys that belong to other parts (network, search, vocab) are left alone.
 */

import { availableParallelism } from "node:os";
import { normalizeExternData } from "../config/extern-data.js";
import { isPlainObject, shown } from "../config/plain.js";
import { nonNegativeKey, optimizerFromKeys, runtimeOnlyNotes } from "../config/returnn-keys.js";
import {
  type BatchingOptions,
  type Dataset,
  datasetFromConfig,
  parseMaxSeqLength,
  parseSeqOrdering,
} from "../data/index.js";
import type { KernelsName } from "../kernels/active.js";
import { ReproError } from "../util/errors.js";
import { type CleanupOptions, parseCleanup } from "./cleanup.js";
import { type LrSettings, parseLrSettings } from "./learning-rate.js";
import { type PretrainSettings, parsePretrain } from "./pretrain.js";
import { parseSchedule, type ScheduleSettings } from "./schedule.js";

export interface DataSettings {
  dataset: Dataset;
  batching: BatchingOptions;
}

/** A dataset scored after every epoch (`dev`, or one of `eval_datasets`). */
export interface EvalSettings extends DataSettings {
  name: string;
}

export interface TrainSettings {
  numEpochs: number;
  randomSeed: number;
  threads: number;
  /** `kernels` / `--kernels`: js, native, or auto (native when it loads). */
  kernels: KernelsName;
  /** 0: no clipping. */
  gradientClip: number;
  /** `gradient_noise`: std of the noise added to each gradient (0: off). */
  gradientNoise: number;
  /** `gradient_clip`: element-wise clip value (0: off). */
  gradientClipValue: number;
  /** `gradient_clip_norm`, `gradient_clip_avg_norm`: per-tensor norm limits (0: off). */
  gradientClipNorm: number;
  gradientClipAvgNorm: number;
  logVerbosity: number;
  logEveryNSteps: number;
  logZeroScaledLosses: boolean;
  /** `log_grad_norms`: record each parameter's gradient norm per step in train.jsonl. */
  logGradNorms: boolean;
  saveInterval: number;
  /** `accum_grad_multiple_step`: batches per update. */
  accumulate: number;
  train: DataSettings;
  dev: DataSettings | null;
  /** `dev` first, then `eval_datasets` by name. */
  evals: EvalSettings[];
  lr: LrSettings;
  schedule: ScheduleSettings;
  pretrain: PretrainSettings | null;
  /** `pretrain_learning_rate` (default `learning_rate`). */
  pretrainLearningRate: number;
  /** `pretrain_reset_optimizer`: forget optimizer state at each network change. */
  pretrainResetOptimizer: boolean;
  /** `use_learning_rate_control_always`: the control decides also in and right after pretraining. */
  useLrControlAlways: boolean;
  cleanup: CleanupOptions | null;
  /** `dev_bleu_every_n_epochs`: beam-search the dev set and record BLEU every N epochs (0: never). */
  devBleuEvery: number;
  /** The `optimizer` value (optimizerFromConfig builds it). */
  optimizer: unknown;
  /** Lines for the log about keys that have no effect here. */
  notes: string[];
}

/** RETURNN's default `random_seed`. */
export const DEFAULT_RANDOM_SEED = 42;

/** Keys that only matter with pretraining. */
const PRETRAIN_ONLY = [
  "pretrain_learning_rate",
  "pretrain_reset_optimizer",
  "use_learning_rate_control_always",
];

/** RETURNN keys whose job `--out` does here. */
const SUPERSEDED: Record<string, string> = {
  model: "checkpoints go to OUT/checkpoints",
  learning_rate_file: "the learning-rate history goes to OUT/learning_rates.json",
  task: "`repronet train` trains; searching is `repronet search`",
  target: "each layer names its own target",
  device: "repronet runs on its CPU kernels",
  use_tensorflow: "repronet has its own engine",
  debug_mode: "non-finite steps always name the first non-finite layer",
  vocab: "datasets name their vocabularies (parallel_text `vocab`)",
  search_data: "only `repronet search --data search_data` reads it",
  search_output_layer: "only `repronet search` and `translate` read it",
  beam_size: "only `repronet search` and `translate` read it (the default beam)",
};

export function parseTrainSettings(
  config: Record<string, unknown>,
  file: string,
  overrides: { threads?: number; kernels?: KernelsName } = {},
): TrainSettings {
  // `task: "train"` says what `repronet train` does anyway: no note for it.
  const notes = Object.keys(SUPERSEDED)
    .filter((k) => config[k] !== undefined && !(k === "task" && config[k] === "train"))
    .map((k) => `note: config key ${k} has no effect: ${SUPERSEDED[k]}`);
  notes.push(...runtimeOnlyNotes(config, file));
  const pretrain = parsePretrain(config, file);
  if (!pretrain)
    for (const k of PRETRAIN_ONLY)
      if (config[k] !== undefined && config[k] !== null)
        notes.push(`note: config key ${k} has no effect without pretrain`);
  const int = (key: string, fallback: number, min: number): number => {
    const v = config[key] ?? fallback;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min)
      throw new ReproError(`${file}: ${key} must be an integer >= ${min}, got ${shown(config[key])}`);
    return v;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = config[key] ?? fallback;
    if (typeof v !== "boolean")
      throw new ReproError(`${file}: ${key} must be true or false, got ${shown(v)}`);
    return v;
  };
  const randomSeed = int("random_seed", DEFAULT_RANDOM_SEED, Number.MIN_SAFE_INTEGER);
  // Default: every core (results never depend on the thread count).
  const threads = overrides.threads ?? int("threads", availableParallelism(), 1);
  if (!Number.isSafeInteger(threads) || threads < 1)
    throw new ReproError(`--threads must be a positive integer, got ${threads}`);
  const kernelsName = overrides.kernels ?? config.kernels ?? (process.env.REPRONET_KERNELS || "auto");
  if (kernelsName !== "js" && kernelsName !== "native" && kernelsName !== "auto")
    throw new ReproError(
      `${file}: kernels must be "js", "native" or "auto", got ${JSON.stringify(kernelsName)}`,
    );
  const clip = config.gradient_clip_global_norm ?? 0;
  if (typeof clip !== "number" || !(clip >= 0) || !Number.isFinite(clip))
    throw new ReproError(
      `${file}: gradient_clip_global_norm must be a non-negative number, got ${JSON.stringify(clip)}`,
    );
  if (config.train === undefined || config.train === null)
    throw new ReproError(`${file}: no "train" dataset configured`);

  const shared = {
    batchSize: int("batch_size", 1, 1),
    maxSeqs: Math.max(0, int("max_seqs", -1, -1)),
    maxSeqLength: parseMaxSeqLength(config.max_seq_length, file),
  };
  const data = (key: string, spec: unknown): DataSettings => {
    const where = `${file}: ${key}`;
    const { dataset, common } = datasetFromConfig(spec, where, { externData: config.extern_data });
    checkExternData(config.extern_data, dataset, where);
    const topOrdering = key === "train" ? (config.seq_ordering ?? config.batching) : undefined;
    const offset = common.random_seed_offset ?? 0;
    if (typeof offset !== "number" || !Number.isSafeInteger(offset))
      throw new ReproError(`${where}: random_seed_offset must be an integer, got ${JSON.stringify(offset)}`);
    const partition = common.partition_epoch ?? (key === "train" ? config.partition_epoch : undefined) ?? 1;
    if (typeof partition !== "number" || !Number.isSafeInteger(partition) || partition < 1)
      throw new ReproError(
        `${where}: partition_epoch must be a positive integer, got ${JSON.stringify(partition)}`,
      );
    return {
      dataset,
      batching: {
        ...shared,
        seqOrdering: parseSeqOrdering(common.seq_ordering ?? topOrdering, where),
        partitionEpoch: partition,
        seed: randomSeed + offset,
        name: key,
      },
    };
  };
  const train = data("train", config.train);
  const dev = config.dev === undefined || config.dev === null ? null : data("dev", config.dev);
  const evals: EvalSettings[] = dev ? [{ name: "dev", ...dev }] : [];
  const extra = config.eval_datasets ?? {};
  if (!isPlainObject(extra))
    throw new ReproError(
      `${file}: eval_datasets must be a dict name → dataset, got ${JSON.stringify(extra)}`,
    );
  for (const name of Object.keys(extra).sort()) {
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name) || name === "train" || name === "dev")
      throw new ReproError(
        `${file}: eval_datasets: "${name}" is not a usable name (letters, digits, _ and -; not train or dev)`,
      );
    evals.push({ name, ...data(name, extra[name]) });
  }
  const lr = parseLrSettings(config, file);
  const pretrainLr = config.pretrain_learning_rate ?? lr.learningRate;
  if (typeof pretrainLr !== "number" || !Number.isFinite(pretrainLr) || pretrainLr < 0)
    throw new ReproError(
      `${file}: pretrain_learning_rate must be a non-negative number, got ${JSON.stringify(pretrainLr)}`,
    );
  return {
    numEpochs: int("num_epochs", 5, 1),
    randomSeed,
    threads,
    kernels: kernelsName,
    gradientClip: clip,
    gradientNoise: nonNegativeKey(config, "gradient_noise", file),
    gradientClipValue: nonNegativeKey(config, "gradient_clip", file),
    gradientClipNorm: nonNegativeKey(config, "gradient_clip_norm", file),
    gradientClipAvgNorm: nonNegativeKey(config, "gradient_clip_avg_norm", file),
    logVerbosity: int("log_verbosity", 5, 0),
    logEveryNSteps: int("log_every_n_steps", 1, 1),
    logZeroScaledLosses: bool("log_zero_scaled_losses", true),
    logGradNorms: bool("log_grad_norms", false),
    saveInterval: int("save_interval", 1, 1),
    accumulate: int("accum_grad_multiple_step", 1, 1),
    train,
    dev,
    evals,
    lr,
    schedule: parseSchedule(config, file),
    pretrain,
    pretrainLearningRate: pretrainLr,
    pretrainResetOptimizer: bool("pretrain_reset_optimizer", false),
    useLrControlAlways: bool("use_learning_rate_control_always", false),
    cleanup: parseCleanup(config.cleanup_old_models, file),
    devBleuEvery: devBleuEvery(int("dev_bleu_every_n_epochs", 0, 0), dev, file),
    optimizer: optimizerFromKeys(config, file),
    notes,
  };
}

/** Each `extern_data` key must come from the dataset, sparse where it is sparse, with a fitting dim. */
export function checkExternData(extern: unknown, dataset: Dataset, where: string): void {
  if (!isPlainObject(extern)) return;
  const have = dataset.keys.map((k) => k.name);
  for (const [name, spec] of normalizeExternData(extern, where)) {
    const key = dataset.keys.find((k) => k.name === name);
    if (!key)
      throw new ReproError(
        `${where}: extern_data "${name}" is not provided by the dataset (it has: ${have.join(", ")})`,
      );
    if (spec.sparse !== key.sparse)
      throw new ReproError(
        `${where}: extern_data "${name}" is ${spec.sparse ? "sparse" : "dense"}, the dataset's is ${key.sparse ? "sparse" : "dense"}`,
      );
    if (key.sparse ? key.dim > spec.dim : key.dim !== spec.dim)
      throw new ReproError(
        `${where}: extern_data "${name}" has dim ${spec.dim}, the dataset's "${name}" has ${key.dim}`,
      );
  }
}

function devBleuEvery(n: number, dev: DataSettings | null, file: string): number {
  if (n > 0 && dev === null) throw new ReproError(`${file}: dev_bleu_every_n_epochs needs a "dev" dataset`);
  return n;
}
