/**
 * Embedded synthetic tasks, so a config trains without any data files:
 *
 *   {"class": "synthetic", "task": "reverse" | "copy" | "sort",   (or "random": random-task.ts)
 *    "num_seqs": N, "vocab_size": V, "min_len": 1, "max_len": L, "seed": 0}
 *
 * Label 0 is the end of sequence. Sequence i draws its length uniformly from
 * [min_len, max_len] and its tokens uniformly from [1, V) out of the keyed
 * stream (seed, "synthetic/<i>"): it depends only on (seed, i), never on which
 * other sequences were made, so `copy`, `reverse` and `sort` with one seed see
 * the same sources. `data` holds the tokens; `classes` the task's output
 * (copied, reversed or sorted ascending) followed by 0.
 *
 * COMPATIBILITY: word 0 of the stream picks the length, word k (k ≥ 1) the
 * k-th token, each as floor(word · n / 2^32) over the n choices. Changing this
 * changes every synthetic dataset.
 */
import { KeyedStream } from "../rng/keyed.js";
import { ReproError } from "../util/errors.js";
import {
  checkOptions,
  type DataKey,
  type Dataset,
  intOption,
  registerDataset,
  type SeqValues,
} from "./dataset.js";
import { parseRandomTask, RandomTaskDataset } from "./random-task.js";

export const SYNTHETIC_TASKS = ["copy", "reverse", "sort"] as const;
export type SyntheticTask = (typeof SYNTHETIC_TASKS)[number];

export interface SyntheticOptions {
  task: SyntheticTask;
  numSeqs: number;
  vocabSize: number;
  minLen: number;
  maxLen: number;
  seed: number;
}

const OPTIONS = ["max_len", "min_len", "num_seqs", "seed", "task", "vocab_size"];
const TWO_32 = 2 ** 32;

/** Picks one of n choices from a uniform u32 word. */
const pick = (word: number, n: number): number => Math.floor((word * n) / TWO_32);

/** The source tokens of sequence i (values in [1, vocabSize)). */
export function syntheticSource(o: Omit<SyntheticOptions, "task">, i: number): Int32Array {
  const stream = new KeyedStream(o.seed, `synthetic/${i}`);
  const len = o.minLen + pick(stream.uint32(1)[0], o.maxLen - o.minLen + 1);
  const words = stream.uint32(len, 1);
  return Int32Array.from(words, (w) => 1 + pick(w, o.vocabSize - 1));
}

/** The task's output for a source, followed by the end-of-sequence label 0. */
export function syntheticTarget(task: SyntheticTask, source: Int32Array): Int32Array {
  const out = new Int32Array(source.length + 1);
  if (task === "copy") out.set(source);
  else if (task === "reverse") out.set(source.slice().reverse());
  else out.set(source.slice().sort());
  return out;
}

export class SyntheticDataset implements Dataset {
  readonly keys: readonly DataKey[];
  readonly sortKey = "data";
  private readonly lens: Int32Array;

  constructor(
    readonly options: SyntheticOptions,
    readonly where = "synthetic",
  ) {
    const v = options.vocabSize;
    this.keys = [
      { name: "classes", sparse: true, dim: v },
      { name: "data", sparse: true, dim: v },
    ];
    this.lens = new Int32Array(options.numSeqs).fill(-1);
  }

  get seed(): number {
    return this.options.seed;
  }

  get numSeqs(): number {
    return this.options.numSeqs;
  }

  get(i: number): SeqValues {
    this.checkIndex(i);
    const data = syntheticSource(this.options, i);
    this.lens[i] = data.length;
    return { classes: syntheticTarget(this.options.task, data), data };
  }

  lengths(i: number): Readonly<Record<string, number>> {
    this.checkIndex(i);
    if (this.lens[i] < 0) this.lens[i] = syntheticSource(this.options, i).length;
    return { classes: this.lens[i] + 1, data: this.lens[i] };
  }

  private checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.numSeqs)
      throw new RangeError(`${this.where}: sequence index ${i} out of range [0, ${this.numSeqs})`);
  }
}

/** Validates the config dict (without `class`); errors name the option. */
export function parseSyntheticOptions(opts: Record<string, unknown>, where: string): SyntheticOptions {
  checkOptions(opts, OPTIONS, where);
  const task = opts.task;
  if (typeof task !== "string" || !(SYNTHETIC_TASKS as readonly string[]).includes(task)) {
    throw new ReproError(
      `${where}: option "task" must be one of ${[...SYNTHETIC_TASKS, "random"].map((t) => `"${t}"`).join(", ")}, got ${JSON.stringify(task)}`,
    );
  }
  const numSeqs = intOption(opts, "num_seqs", where, { min: 1 });
  const vocabSize = intOption(opts, "vocab_size", where, { min: 2, max: 2 ** 31 - 1 });
  const maxLen = intOption(opts, "max_len", where, { min: 1 });
  const minLen = intOption(opts, "min_len", where, { min: 1, max: maxLen, fallback: 1 });
  const seed = intOption(opts, "seed", where, { fallback: 0 });
  return { task: task as SyntheticTask, numSeqs, vocabSize, minLen, maxLen, seed };
}

registerDataset("synthetic", (opts, where, context) =>
  opts.task === "random"
    ? new RandomTaskDataset(parseRandomTask(opts, where, context.externData), where)
    : new SyntheticDataset(parseSyntheticOptions(opts, where), where),
);
