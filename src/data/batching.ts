/**
 * RETURNN batching. An epoch's sequence order is a pure function of
 * (order seed, epoch) — contract point 4 — and batches are cut from it
 * greedily: a sequence joins the current batch unless that would make the
 * padded size (longest sequence over all keys × number of sequences) exceed
 * `batch_size` or the count exceed `max_seqs`. As in RETURNN, a single
 * sequence longer than `batch_size` forms a batch of its own; sequences with a
 * key longer than `max_seq_length` are skipped.
 */
import { isPlainObject } from "../config/plain.js";
import type { Batch } from "../network/types.js";
import { KeyedStream } from "../rng/keyed.js";
import { Tensor } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import type { Dataset } from "./dataset.js";

export type SeqOrdering =
  | { kind: "default" | "sorted" | "sorted_reverse" | "random" }
  /** `laplace:N` (N bins) or `laplace:.K` (bins of about K sequences). */
  | { kind: "laplace"; bins?: number; binSize?: number };

export interface BatchingOptions {
  /** Max padded frames per batch (longest sequence × sequences). */
  batchSize: number;
  /** Max sequences per batch; 0 = unlimited. */
  maxSeqs: number;
  /** Skip sequences longer than this, per key (keys not listed are unlimited). */
  maxSeqLength: Readonly<Record<string, number>> | number | null;
  seqOrdering: SeqOrdering;
  /** One pass over the data is spread over this many epochs. */
  partitionEpoch: number;
  /** The order seed (random_seed + random_seed_offset). */
  seed: number;
  /** Dataset role ("train", "dev"): part of the order stream's name. */
  name: string;
}

const TWO_32 = 2 ** 32;

// --- options -------------------------------------------------------------------

/** Parses `seq_ordering` ("default", "sorted", "sorted_reverse", "random", "laplace:N", "laplace:.K"). */
export function parseSeqOrdering(value: unknown, where: string): SeqOrdering {
  const bad = () =>
    new ReproError(
      `${where}: seq_ordering must be "default", "sorted", "sorted_reverse", "random", "laplace:N" or "laplace:.K", got ${JSON.stringify(value)}`,
    );
  if (value === undefined || value === null) return { kind: "default" };
  if (typeof value !== "string") throw bad();
  if (value === "default" || value === "sorted" || value === "sorted_reverse" || value === "random") {
    return { kind: value };
  }
  const m = /^laplace(?::(\.?)(\d+))?$/.exec(value);
  if (!m) throw bad();
  if (m[2] === undefined) return { kind: "laplace" };
  const n = Number(m[2]);
  if (n < 1) throw bad();
  return m[1] === "." ? { kind: "laplace", binSize: n } : { kind: "laplace", bins: n };
}

/** Parses `max_seq_length`: a number for every key (negative: `classes` only, as RETURNN), or a dict. */
export function parseMaxSeqLength(value: unknown, where: string): BatchingOptions["maxSeqLength"] {
  if (value === undefined || value === null || value === 0) return null;
  if (typeof value === "number" && Number.isSafeInteger(value)) {
    return value < 0 ? { classes: -value } : value;
  }
  if (isPlainObject(value)) {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) {
        throw new ReproError(
          `${where}: max_seq_length["${k}"] must be a positive integer, got ${JSON.stringify(v)}`,
        );
      }
      out[k] = v;
    }
    return out;
  }
  throw new ReproError(
    `${where}: max_seq_length must be an integer or a dict of integers, got ${JSON.stringify(value)}`,
  );
}

// --- order ---------------------------------------------------------------------

/** Sequence indices stably sorted by the dataset's sort-key length. */
function sortByLength(ds: Dataset, seqs: number[], descending: boolean): number[] {
  const len = (i: number) => ds.lengths(i)[ds.sortKey];
  return seqs.slice().sort((a, b) => (descending ? len(b) - len(a) : len(a) - len(b)));
}

/** A keyed Fisher–Yates permutation of 0..n-1. */
function permutation(n: number, stream: KeyedStream): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  const words = stream.uint32(n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor((words[i] / TWO_32) * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * The order of one full pass over the dataset (before partitioning) for the
 * 1-based `fullEpoch`: a pure function of (dataset, ordering, seed, fullEpoch).
 */
export function seqOrder(
  ds: Dataset,
  ordering: SeqOrdering,
  seed: number,
  fullEpoch: number,
  name = "train",
): number[] {
  const all = Array.from({ length: ds.numSeqs }, (_, i) => i);
  const stream = () => new KeyedStream(seed, `seq_order/${name}`, fullEpoch);
  switch (ordering.kind) {
    case "default":
      return all;
    case "sorted":
      return sortByLength(ds, all, false);
    case "sorted_reverse":
      return sortByLength(ds, all, true);
    case "random":
      return permutation(ds.numSeqs, stream());
    case "laplace": {
      // RETURNN: random permutation, cut into bins, each bin sorted by length,
      // alternately ascending and descending.
      const n = ds.numSeqs;
      const bins =
        ordering.bins ??
        (ordering.binSize
          ? Math.max(Math.floor(n / ordering.binSize), 2)
          : Math.max(1, Math.floor(n / 1000)));
      const perm = permutation(n, stream());
      const out: number[] = [];
      for (let b = 0; b < bins; b++) {
        const part = perm.slice(
          Math.floor((b * n) / bins),
          b === bins - 1 ? n : Math.floor(((b + 1) * n) / bins),
        );
        out.push(...sortByLength(ds, part, b % 2 === 1));
      }
      return out;
    }
  }
}

/** The sequences of 1-based `epoch`: its part of the full pass when `partitionEpoch` > 1 (RETURNN's split). */
export function epochSeqs(ds: Dataset, o: BatchingOptions, epoch: number): number[] {
  const p = o.partitionEpoch;
  const full = seqOrder(ds, o.seqOrdering, o.seed, Math.floor((epoch - 1) / p) + 1, o.name);
  if (p <= 1) return full;
  const part = (epoch - 1) % p;
  const n = full.length;
  const base = Math.floor(n / p);
  const extra = n % p; // the first `extra` partitions hold one more
  const start = part * base + Math.min(part, extra);
  return full.slice(start, start + base + (part < extra ? 1 : 0));
}

// --- batches -------------------------------------------------------------------

/** True when a sequence has a key longer than `max_seq_length` allows (it is skipped). */
export function tooLong(
  lengths: Readonly<Record<string, number>>,
  limit: BatchingOptions["maxSeqLength"],
): boolean {
  if (limit === null) return false;
  for (const [key, len] of Object.entries(lengths)) {
    const max = typeof limit === "number" ? limit : limit[key];
    if (max !== undefined && len > max) return true;
  }
  return false;
}

export interface EpochPlan {
  /** Sequence indices of each batch, in order. */
  batches: number[][];
  /** Sequences left out by `max_seq_length`. */
  skipped: number;
  /** Batches of one sequence that alone exceeds `batch_size`. */
  oversized: number;
}

/** Cuts an ordered list of sequences into batches (see the module comment). */
export function makeBatches(ds: Dataset, seqs: readonly number[], o: BatchingOptions): EpochPlan {
  const plan: EpochPlan = { batches: [], skipped: 0, oversized: 0 };
  let cur: number[] = [];
  let curMax = 0;
  for (const i of seqs) {
    const lengths = ds.lengths(i);
    if (tooLong(lengths, o.maxSeqLength)) {
      plan.skipped++;
      continue;
    }
    const len = Math.max(0, ...Object.values(lengths));
    const max = Math.max(curMax, len);
    if (
      cur.length > 0 &&
      (max * (cur.length + 1) > o.batchSize || (o.maxSeqs > 0 && cur.length >= o.maxSeqs))
    ) {
      plan.batches.push(cur);
      cur = [];
      curMax = 0;
    }
    cur.push(i);
    curMax = Math.max(curMax, len);
    if (cur.length === 1 && len > o.batchSize) plan.oversized++;
  }
  if (cur.length > 0) plan.batches.push(cur);
  return plan;
}

/** The batches of 1-based `epoch`: a pure function of (dataset, options, epoch). */
export function epochBatches(ds: Dataset, o: BatchingOptions, epoch: number): EpochPlan {
  if (!Number.isSafeInteger(epoch) || epoch < 1)
    throw new RangeError(`epoch must be a positive integer, got ${epoch}`);
  return makeBatches(ds, epochSeqs(ds, o, epoch), o);
}

/**
 * Builds the padded batch for the given sequences: per key an int32 [B, T]
 * (sparse) or float32 [B, T, F] (dense) tensor padded with 0, and the lengths.
 * Call inside the step's `tidy` so the tensors are freed with it.
 */
export function makeBatch(ds: Dataset, seqs: readonly number[]): Batch {
  const values = seqs.map((i) => ds.get(i));
  const data: Record<string, { value: Tensor; lengths: Int32Array }> = {};
  for (const key of ds.keys) {
    const f = key.sparse ? 1 : key.dim;
    const lengths = Int32Array.from(values, (v) => v[key.name].length / f);
    const t = Math.max(0, ...lengths);
    const buf = key.sparse ? new Int32Array(seqs.length * t) : new Float32Array(seqs.length * t * f);
    values.forEach((v, b) => {
      buf.set(v[key.name], b * t * f);
    });
    data[key.name] = { value: new Tensor(key.sparse ? [seqs.length, t] : [seqs.length, t, f], buf), lengths };
  }
  const named = ds.seqName ? { seqNames: seqs.map((i) => ds.seqName!(i)) } : {};
  return { data, seqIndices: [...seqs], ...named };
}
