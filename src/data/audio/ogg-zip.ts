/**
 * RETURNN's OggZipDataset: `path` X.zip holds X.txt, a Python-literal list of
 * {"file", "seq_name", "duration", "text"}, and the audio files (under X/
 * with `zip_audio_files_have_name_as_prefix`, the default). `data` = audio
 * features (./features.ts, options under `audio`), `classes` = the
 * transcript's label ids (./targets.ts). Audio files are WAV or Ogg Vorbis,
 * mono, recognised by their content (./decode.ts); with `audio.sample_rate`
 * a file of another rate is an error (RETURNN does not resample either).
 * Features are extracted once per sequence and cached, so later epochs cost
 * no extraction. A sequence with fewer feature frames than target labels is
 * an error naming the archive and the sequence.
 */

import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { isPlainObject } from "../../config/plain.js";
import { parsePythonConfig } from "../../config/pyparse.js";
import { didYouMean, ReproError } from "../../util/errors.js";
import { checkOptions, type DataKey, type Dataset, registerDataset, type SeqValues } from "../dataset.js";
import { decodeAudio } from "./decode.js";
import { extractFeatures, type FeatureKind, type FeatureOptions } from "./features.js";
import { type Targets, targetsFromConfig } from "./targets.js";
import { ZipArchive } from "./zip.js";

const OPTIONS = ["path", "audio", "targets", "zip_audio_files_have_name_as_prefix", "use_cache_manager"];
const AUDIO_OPTIONS = [
  "features",
  "num_feature_filters",
  "window_len",
  "step_len",
  "norm_mean",
  "norm_std_dev",
  "peak_normalization",
  "sample_rate",
];

interface Seq {
  readonly name: string;
  readonly file: string;
  readonly entry: string;
  readonly labels: Int32Array;
}

type Norm = Float64Array | "per_seq" | null;

function normOption(v: unknown, dim: number, key: string, where: string): Norm {
  if (v === undefined || v === null) return null;
  if (v === "per_seq") return "per_seq";
  let values: number[];
  if (typeof v === "number") values = new Array<number>(dim).fill(v);
  else if (Array.isArray(v) && v.every((x) => typeof x === "number")) values = v as number[];
  else if (typeof v === "string") {
    let text: string;
    try {
      text = readFileSync(v, "utf8");
    } catch {
      throw new ReproError(`${where}: cannot read audio option "${key}" file ${v}`);
    }
    values = text.trim().split(/\s+/).map(Number);
  } else
    throw new ReproError(`${where}: audio option "${key}" must be a number, a list, a file or "per_seq"`);
  if (values.length !== dim || values.some((x) => !Number.isFinite(x))) {
    throw new ReproError(`${where}: audio option "${key}" needs ${dim} numbers, got ${values.length}`);
  }
  return Float64Array.from(values);
}

function featureOptions(
  spec: unknown,
  where: string,
): FeatureOptions & { mean: Norm; std: Norm; sampleRate: number | null } {
  const a = spec ?? {};
  if (!isPlainObject(a)) throw new ReproError(`${where}: option "audio" must be a dict`);
  for (const key of Object.keys(a)) {
    if (!AUDIO_OPTIONS.includes(key))
      throw new ReproError(`${where}: unknown audio option "${key}"${didYouMean(key, AUDIO_OPTIONS)}`);
  }
  const features = (a.features ?? "mfcc") as FeatureKind;
  if (features !== "mfcc" && features !== "log_mel_filterbank") {
    throw new ReproError(
      `${where}: audio features "${String(features)}" not supported (mfcc, log_mel_filterbank)`,
    );
  }
  const num = a.num_feature_filters ?? 40;
  if (!Number.isInteger(num) || (num as number) < 1)
    throw new ReproError(`${where}: num_feature_filters must be a positive integer`);
  const dim = num as number;
  const rate = a.sample_rate ?? null;
  if (rate !== null && (!Number.isInteger(rate) || (rate as number) < 1))
    throw new ReproError(`${where}: audio option "sample_rate" must be a positive integer (Hz)`);
  return {
    features,
    numFeatureFilters: dim,
    windowLen: Number(a.window_len ?? 0.025),
    stepLen: Number(a.step_len ?? 0.01),
    peakNormalization: a.peak_normalization !== false,
    mean: normOption(a.norm_mean, dim, "norm_mean", where),
    std: normOption(a.norm_std_dev, dim, "norm_std_dev", where),
    sampleRate: rate as number | null,
  };
}

/** (x − mean) / std per feature; "per_seq": statistics over this sequence's frames (std floored at 1e-2). */
function normalise(v: Float32Array, frames: number, dim: number, mean: Norm, std: Norm): void {
  const stat = (norm: Norm, f: (col: number[]) => number) =>
    norm === "per_seq"
      ? Float64Array.from({ length: dim }, (_, j) =>
          f(Array.from({ length: frames }, (_, t) => v[t * dim + j])),
        )
      : norm;
  const mu = stat(mean, (c) => c.reduce((s, x) => s + x, 0) / c.length);
  const sd = stat(std, (c) => {
    const m = c.reduce((s, x) => s + x, 0) / c.length;
    return Math.max(1e-2, Math.sqrt(c.reduce((s, x) => s + (x - m) ** 2, 0) / c.length));
  });
  for (let t = 0; t < frames; t++) {
    for (let j = 0; j < dim; j++) {
      let x = v[t * dim + j];
      if (mu) x -= mu[j];
      if (sd) x /= sd[j];
      v[t * dim + j] = x;
    }
  }
}

export class OggZipDataset implements Dataset {
  readonly keys: readonly DataKey[];
  readonly sortKey = "data";
  private readonly cache = new Map<number, Float32Array>();

  constructor(
    readonly where: string,
    private readonly zip: ZipArchive,
    private readonly seqs: readonly Seq[],
    private readonly features: ReturnType<typeof featureOptions>,
    readonly targets: Targets | null,
  ) {
    const data: DataKey = { name: "data", sparse: false, dim: features.numFeatureFilters };
    this.keys = targets ? [{ name: "classes", sparse: true, dim: targets.numLabels }, data] : [data];
  }

  get numSeqs(): number {
    return this.seqs.length;
  }

  /** The sequence's `seq_name` (its file when the list gives none). */
  seqName(i: number): string {
    return this.seqs[i].name;
  }

  private feats(i: number): Float32Array {
    const hit = this.cache.get(i);
    if (hit) return hit;
    const s = this.seqs[i];
    const at = `${this.zip.file}: sequence ${s.name} (file ${s.file})`;
    const audio = decodeAudio(this.zip.read(s.entry), at);
    const f = this.features;
    if (f.sampleRate !== null && audio.sampleRate !== f.sampleRate) {
      throw new ReproError(
        `${at}: sample rate ${audio.sampleRate} Hz, but audio option "sample_rate" is ${f.sampleRate}; resampling is not supported (as in RETURNN)`,
      );
    }
    const { frames, values } = extractFeatures(audio.samples, audio.sampleRate, f);
    normalise(values, frames, f.numFeatureFilters, f.mean, f.std);
    if (s.labels.length > frames) {
      throw new ReproError(
        `${at}: ${frames} feature frames are fewer than its ${s.labels.length} target labels`,
      );
    }
    this.cache.set(i, values);
    return values;
  }

  get(i: number): SeqValues {
    const data = this.feats(i);
    return this.targets ? { classes: this.seqs[i].labels, data } : { data };
  }

  lengths(i: number): Readonly<Record<string, number>> {
    const frames = this.feats(i).length / this.features.numFeatureFilters;
    return this.targets ? { classes: this.seqs[i].labels.length, data: frames } : { data: frames };
  }
}

/** Builds the dataset from its options (see the module comment). */
export function oggZipDataset(opts: Record<string, unknown>, where: string): OggZipDataset {
  checkOptions(opts, OPTIONS, where);
  if (typeof opts.path !== "string")
    throw new ReproError(`${where}: option "path" must be the zip file's path`);
  const zip = ZipArchive.open(opts.path);
  const stem = basename(opts.path).replace(/\.zip$/, "");
  const listName = `${stem}.txt`;
  if (!zip.has(listName)) throw new ReproError(`${opts.path}: the archive has no ${listName}`);
  const listText = zip.read(listName).toString("utf8");
  const list = parsePythonConfig(`corpus = ${listText}`, `${opts.path}:${listName}`).corpus;
  if (!Array.isArray(list)) throw new ReproError(`${opts.path}:${listName}: must hold a list of dicts`);
  const targets =
    opts.targets === undefined || opts.targets === null ? null : targetsFromConfig(opts.targets, where);
  const prefix = opts.zip_audio_files_have_name_as_prefix !== false;
  const seqs = list.map((item, k): Seq => {
    if (!isPlainObject(item) || typeof item.file !== "string" || typeof item.text !== "string") {
      throw new ReproError(`${opts.path}:${listName}: entry ${k + 1} needs "file" and "text" strings`);
    }
    const name = typeof item.seq_name === "string" ? item.seq_name : item.file;
    const entry = prefix ? `${stem}/${item.file}` : item.file;
    if (!zip.has(entry))
      throw new ReproError(`${opts.path}: sequence ${name}: audio file ${entry} is not in the archive`);
    const labels = targets ? targets.encode(item.text, `${opts.path}: sequence ${name}`) : new Int32Array(0);
    return { name, file: item.file, entry, labels };
  });
  if (seqs.length === 0) throw new ReproError(`${opts.path}:${listName}: the corpus is empty`);
  return new OggZipDataset(where, zip, seqs, featureOptions(opts.audio, where), targets);
}

registerDataset("OggZipDataset", oggZipDataset);
