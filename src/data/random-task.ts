/**
 * The random synthetic task, RETURNN's DummyDataset in spirit: every
 * `extern_data` key filled from its declared shape, so any config trains
 * without data files.
 *
 *   {"class": "synthetic", "task": "random", "num_seqs": N,
 *    "seq_len": {"data": [60, 100], "classes": [3, 8]}, "seed": 0}
 *
 * `seq_len` is a dict per key of [min, max] or a fixed length, or one of those
 * for every key; keys it does not name get the range of `data` (else [4, 12]).
 * Keys with the same range get the same length, so framewise targets line up
 * with their inputs. Dense keys hold N(0, 1) floats, sparse keys uniform ids in
 * [0, dim). Sequence i's length for range [a, b] is word 0 of the keyed stream
 * (seed, "random/<i>/len/<a>-<b>"), uniform over [a, b]; key k's ids are
 * words 0.. of (seed, "random/<i>/<k>"), its floats the normals of
 * (seed, "random/<i>/<k>/values"): a pure function of seed, index and key.
 */
import { normalizeExternData } from "../config/extern-data.js";
import { isPlainObject } from "../config/plain.js";
import { KeyedStream } from "../rng/keyed.js";
import { ReproError } from "../util/errors.js";
import { checkOptions, type DataKey, type Dataset, intOption, type SeqValues } from "./dataset.js";

const OPTIONS = ["num_seqs", "seed", "seq_len", "task"];
const DEFAULT_LEN: [number, number] = [4, 12];
const TWO_32 = 2 ** 32;
const pick = (word: number, n: number): number => Math.floor((word * n) / TWO_32);

export interface RandomTaskOptions {
  numSeqs: number;
  seed: number;
  keys: readonly DataKey[];
  /** [min, max] length per key name. */
  lens: Readonly<Record<string, readonly [number, number]>>;
}

export class RandomTaskDataset implements Dataset {
  readonly keys: readonly DataKey[];
  readonly sortKey: string;

  constructor(
    readonly options: RandomTaskOptions,
    readonly where = "synthetic random",
  ) {
    this.keys = options.keys;
    this.sortKey = this.keys.some((k) => k.name === "data") ? "data" : this.keys[0].name;
  }

  get seed(): number {
    return this.options.seed;
  }

  get numSeqs(): number {
    return this.options.numSeqs;
  }

  get(i: number): SeqValues {
    const lens = this.lengths(i);
    const out: Record<string, Int32Array | Float32Array> = {};
    for (const key of this.keys) {
      const n = lens[key.name];
      const name = `random/${i}/${key.name}`;
      out[key.name] = key.sparse
        ? Int32Array.from(new KeyedStream(this.seed, name).uint32(n), (w) => pick(w, key.dim))
        : new KeyedStream(this.seed, `${name}/values`).normal(n * key.dim);
    }
    return out;
  }

  lengths(i: number): Readonly<Record<string, number>> {
    if (!Number.isInteger(i) || i < 0 || i >= this.numSeqs)
      throw new RangeError(`${this.where}: sequence index ${i} out of range [0, ${this.numSeqs})`);
    const out: Record<string, number> = {};
    for (const key of this.keys) {
      const [lo, hi] = this.options.lens[key.name];
      const word = new KeyedStream(this.seed, `random/${i}/len/${lo}-${hi}`).uint32(1)[0];
      out[key.name] = lo + pick(word, hi - lo + 1);
    }
    return out;
  }
}

/** Reads the options; `externData` is the config's extern_data (the keys to fill). */
export function parseRandomTask(
  opts: Record<string, unknown>,
  where: string,
  externData: unknown,
): RandomTaskOptions {
  checkOptions(opts, OPTIONS, where);
  if (externData === undefined || externData === null)
    throw new ReproError(`${where}: task "random" fills the config's extern_data, which is missing`);
  const externs = normalizeExternData(externData, where);
  const keys = [...externs].map(([name, s]) => ({ name, sparse: s.sparse, dim: s.dim }));
  if (keys.length === 0) throw new ReproError(`${where}: task "random": extern_data has no keys`);
  const range = (v: unknown, what: string): [number, number] => {
    const pair = typeof v === "number" ? [v, v] : v;
    const ok = (x: unknown) => typeof x === "number" && Number.isSafeInteger(x) && x >= 1;
    if (!Array.isArray(pair) || pair.length !== 2 || !ok(pair[0]) || !ok(pair[1]) || pair[0] > pair[1])
      throw new ReproError(`${where}: ${what} must be a length >= 1 or [min, max], got ${JSON.stringify(v)}`);
    return [pair[0], pair[1]];
  };
  const raw = opts.seq_len;
  const lens: Record<string, [number, number]> = {};
  const fallback =
    isPlainObject(raw) && raw.data !== undefined
      ? range(raw.data, 'option "seq_len" of "data"')
      : DEFAULT_LEN;
  for (const { name } of keys) {
    if (raw === undefined) lens[name] = DEFAULT_LEN;
    else if (isPlainObject(raw))
      lens[name] = raw[name] === undefined ? fallback : range(raw[name], `option "seq_len" of "${name}"`);
    else lens[name] = range(raw, 'option "seq_len"');
  }
  if (isPlainObject(raw))
    for (const name of Object.keys(raw))
      if (!externs.has(name))
        throw new ReproError(`${where}: option "seq_len" names "${name}", which is not in extern_data`);
  return {
    numSeqs: intOption(opts, "num_seqs", where, { min: 1 }),
    seed: intOption(opts, "seed", where, { fallback: 0 }),
    keys,
    lens,
  };
}
