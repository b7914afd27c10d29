/**
 * Datasets: a fixed number of sequences, each a set of named streams
 * (`data`, `classes`, ...). `get(i)` is a pure function of the dataset's
 * options and i, so batching, resume and evaluation never depend on what was
 * read before. Dataset classes register themselves by their RETURNN name
 * (`synthetic` here; parallel text joins later) and `datasetFromConfig` builds
 * one from a config dict.
 */
import { isPlainObject } from "../config/plain.js";
import { didYouMean, ReproError } from "../util/errors.js";

/** One data stream: sparse streams hold int32 labels, dense ones float32 frames of `dim` features. */
export interface DataKey {
  readonly name: string;
  readonly sparse: boolean;
  /** Number of classes (sparse) or features per frame (dense). */
  readonly dim: number;
}

/** Values of one sequence per key: Int32Array of length T (sparse) or Float32Array of T·dim (dense). */
export type SeqValues = Readonly<Record<string, Int32Array | Float32Array>>;

export interface Dataset {
  /** Where it was configured, for messages (e.g. `config.json: train`). */
  readonly where: string;
  readonly numSeqs: number;
  /** Streams, sorted by name. */
  readonly keys: readonly DataKey[];
  /** The seed its content is drawn with, if it has one (for the manifest). */
  readonly seed?: number;
  /** The stream whose length `sorted` and `laplace` orderings use (RETURNN: `data`). */
  readonly sortKey: string;
  /** Sequence i's values per key. */
  get(i: number): SeqValues;
  /** Sequence i's length (frames) per key; cheap compared to `get`. */
  lengths(i: number): Readonly<Record<string, number>>;
  /** Sequence i's name (RETURNN's seq tag), for messages; absent when the dataset has none. */
  seqName?(i: number): string;
}

/** What a dataset may read from the rest of the config (the random task fills `extern_data`'s keys). */
export interface DatasetContext {
  readonly externData?: unknown;
}

/** Makes a dataset from its options (without `class` and the common ordering options). */
export type DatasetFactory = (
  opts: Record<string, unknown>,
  where: string,
  context: DatasetContext,
) => Dataset;

const registry = new Map<string, DatasetFactory>();

/** Registers a dataset class by its config name (`"synthetic"`, later `"parallel_text"`, ...). */
export function registerDataset(name: string, factory: DatasetFactory): void {
  if (registry.has(name)) throw new Error(`dataset class "${name}" registered twice`);
  registry.set(name, factory);
}

/** Options every dataset dict may carry; they steer batching, not the data itself. */
export const COMMON_DATASET_OPTIONS = ["partition_epoch", "random_seed_offset", "seq_ordering"] as const;

export interface DatasetSpec {
  dataset: Dataset;
  /** The common options found in the dict (validated by the batching code). */
  common: Partial<Record<(typeof COMMON_DATASET_OPTIONS)[number], unknown>>;
}

/**
 * Builds the dataset a config value describes (`{"class": "synthetic", ...}`).
 * `where` names it in errors (`config.json: train`).
 */
export function datasetFromConfig(spec: unknown, where: string, context: DatasetContext = {}): DatasetSpec {
  if (!isPlainObject(spec)) {
    throw new ReproError(`${where}: a dataset must be a dict with a "class", got ${JSON.stringify(spec)}`);
  }
  const cls = spec.class;
  if (typeof cls !== "string") throw new ReproError(`${where}: dataset option "class" is missing`);
  const factory = registry.get(cls);
  if (!factory) {
    const known = [...registry.keys()].sort();
    throw new ReproError(
      `${where}: unknown dataset class "${cls}"${didYouMean(cls, known)} (known: ${known.join(", ")})`,
    );
  }
  const own: Record<string, unknown> = {};
  const common: DatasetSpec["common"] = {};
  for (const key of Object.keys(spec)) {
    if (key === "class") continue;
    if ((COMMON_DATASET_OPTIONS as readonly string[]).includes(key)) {
      common[key as (typeof COMMON_DATASET_OPTIONS)[number]] = spec[key];
    } else own[key] = spec[key];
  }
  return { dataset: factory(own, `${where} (${cls})`, context), common };
}

/** The names of the registered dataset classes, sorted. */
export const datasetClasses = (): string[] => [...registry.keys()].sort();

// --- option helpers shared by dataset classes ---------------------------------

/** Throws for keys of `opts` not in `known`, with a did-you-mean hint. */
export function checkOptions(opts: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const key of Object.keys(opts)) {
    if (!known.includes(key)) {
      throw new ReproError(`${where}: unknown option "${key}"${didYouMean(key, known)}`);
    }
  }
}

/** An integer option in [min, max]; `fallback` when absent (required when undefined). */
export function intOption(
  opts: Record<string, unknown>,
  key: string,
  where: string,
  range: { min?: number; max?: number; fallback?: number } = {},
): number {
  const v = opts[key] ?? range.fallback;
  if (v === undefined) throw new ReproError(`${where}: option "${key}" is required`);
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    const bounds = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new ReproError(`${where}: option "${key}" must be an integer ${bounds}, got ${JSON.stringify(v)}`);
  }
  return v;
}
