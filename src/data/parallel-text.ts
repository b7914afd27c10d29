/**
 * Parallel text for translation: two files of one sentence per line (plain
 * or gzip), line i of `source` translated by line i of `target`:
 *
 *   {"class": "parallel_text", "source": "train.en.gz", "target": "train.de.gz",
 *    "vocab": "bpe.json"}
 *
 * `vocab` is a BPE vocab file (`repronet vocab learn`) used for both sides,
 * given as a path or `{"file": path}`; `source_vocab` and `target_vocab` give
 * one per side instead. Relative paths are relative to the working directory.
 * `data` holds the source's subword ids, `classes` the target's followed by
 * the end-of-sequence label 0. Every line is encoded when the dataset is
 * built, so `get(i)` and `lengths(i)` are lookups; the content depends only on
 * the files and the vocab. Mismatched line counts, empty files, empty lines
 * and invalid UTF-8 are errors naming the file (and line).
 */
import { isPlainObject } from "../config/plain.js";
import { ReproError } from "../util/errors.js";
import { type BpeModel, EOS_ID } from "../vocab/bpe.js";
import { loadBpe } from "../vocab/file.js";
import { checkOptions, type DataKey, type Dataset, registerDataset, type SeqValues } from "./dataset.js";
import { readTextLines } from "./text/lines.js";

const OPTIONS = ["source", "source_vocab", "target", "target_vocab", "vocab"];

/** Sentences encoded back to back: sequence i is `ids[offsets[i] .. offsets[i + 1])`. */
interface Encoded {
  readonly ids: Int32Array;
  readonly offsets: Int32Array;
}

function encodeAll(lines: readonly string[], vocab: BpeModel, eos: boolean): Encoded {
  const offsets = new Int32Array(lines.length + 1);
  const chunks: number[][] = [];
  let total = 0;
  lines.forEach((line, i) => {
    const ids = vocab.encode(line);
    if (eos) ids.push(EOS_ID);
    chunks.push(ids);
    total += ids.length;
    offsets[i + 1] = total;
  });
  const ids = new Int32Array(total);
  chunks.forEach((c, i) => {
    ids.set(c, offsets[i]);
  });
  return { ids, offsets };
}

export interface ParallelTextInput {
  /** File names, for messages. */
  readonly sourceFile: string;
  readonly targetFile: string;
  readonly sourceLines: readonly string[];
  readonly targetLines: readonly string[];
  readonly sourceVocab: BpeModel;
  readonly targetVocab: BpeModel;
}

export class ParallelTextDataset implements Dataset {
  readonly keys: readonly DataKey[];
  readonly sortKey = "data";
  readonly numSeqs: number;
  readonly sourceVocab: BpeModel;
  /** Decodes `classes` (and search output) back to text. */
  readonly targetVocab: BpeModel;
  readonly sourceFile: string;
  readonly targetFile: string;
  private readonly source: Encoded;
  private readonly target: Encoded;

  constructor(
    input: ParallelTextInput,
    readonly where = "parallel_text",
  ) {
    checkLines(input);
    this.sourceFile = input.sourceFile;
    this.targetFile = input.targetFile;
    this.sourceVocab = input.sourceVocab;
    this.targetVocab = input.targetVocab;
    this.numSeqs = input.sourceLines.length;
    this.keys = [
      { name: "classes", sparse: true, dim: input.targetVocab.size },
      { name: "data", sparse: true, dim: input.sourceVocab.size },
    ];
    this.source = encodeAll(input.sourceLines, input.sourceVocab, false);
    this.target = encodeAll(input.targetLines, input.targetVocab, true);
  }

  get(i: number): SeqValues {
    this.checkIndex(i);
    const { source: s, target: t } = this;
    return {
      classes: t.ids.slice(t.offsets[i], t.offsets[i + 1]),
      data: s.ids.slice(s.offsets[i], s.offsets[i + 1]),
    };
  }

  lengths(i: number): Readonly<Record<string, number>> {
    this.checkIndex(i);
    const { source: s, target: t } = this;
    return { classes: t.offsets[i + 1] - t.offsets[i], data: s.offsets[i + 1] - s.offsets[i] };
  }

  private checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.numSeqs)
      throw new RangeError(`${this.where}: sequence index ${i} out of range [0, ${this.numSeqs})`);
  }
}

/** Empty files, different line counts and empty lines are errors naming file and line. */
function checkLines(input: ParallelTextInput): void {
  const { sourceFile, targetFile, sourceLines, targetLines } = input;
  if (sourceLines.length === 0) throw new ReproError(`${sourceFile}: the file is empty`);
  if (targetLines.length === 0) throw new ReproError(`${targetFile}: the file is empty`);
  const n = Math.min(sourceLines.length, targetLines.length);
  if (sourceLines.length !== targetLines.length) {
    const [longer, shorter] =
      sourceLines.length > targetLines.length ? [sourceFile, targetFile] : [targetFile, sourceFile];
    throw new ReproError(
      `${longer}:${n + 1}: line has no counterpart: ${shorter} has ${n} lines, ${longer} ${Math.max(sourceLines.length, targetLines.length)}`,
    );
  }
  for (let i = 0; i < n; i++) {
    for (const [file, line] of [
      [sourceFile, sourceLines[i]],
      [targetFile, targetLines[i]],
    ]) {
      if (line === "") throw new ReproError(`${file}:${i + 1}: empty line (every sentence needs a token)`);
    }
  }
}

/** A path option: a non-empty string. */
function pathOption(opts: Record<string, unknown>, key: string, where: string): string {
  const v = opts[key];
  if (v === undefined) throw new ReproError(`${where}: option "${key}" is required`);
  if (typeof v !== "string" || v === "") {
    throw new ReproError(`${where}: option "${key}" must be a file path, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** A vocab option: a path or `{"file": path}`. */
function vocabOption(opts: Record<string, unknown>, key: string, where: string): BpeModel {
  const v = opts[key];
  if (isPlainObject(v)) {
    checkOptions(v, ["file"], `${where}: option "${key}"`);
    return loadBpe(pathOption(v, "file", `${where}: option "${key}"`));
  }
  return loadBpe(pathOption(opts, key, where));
}

/** The source and target vocabularies a parallel_text dict names (translate needs them without the data). */
export function vocabsFromConfig(
  opts: Record<string, unknown>,
  where: string,
): { sourceVocab: BpeModel; targetVocab: BpeModel } {
  const perSide = opts.source_vocab !== undefined || opts.target_vocab !== undefined;
  if (perSide && opts.vocab !== undefined) {
    throw new ReproError(`${where}: give either "vocab" or "source_vocab" and "target_vocab", not both`);
  }
  if (!perSide && opts.vocab === undefined) {
    throw new ReproError(`${where}: option "vocab" is required (a file from "repronet vocab learn")`);
  }
  const sourceVocab = vocabOption(opts, perSide ? "source_vocab" : "vocab", where);
  const targetVocab = perSide ? vocabOption(opts, "target_vocab", where) : sourceVocab;
  return { sourceVocab, targetVocab };
}

/** Builds the dataset from its config dict (without `class`); errors name the option or file. */
export function parallelTextFromConfig(opts: Record<string, unknown>, where: string): ParallelTextDataset {
  checkOptions(opts, OPTIONS, where);
  const sourceFile = pathOption(opts, "source", where);
  const targetFile = pathOption(opts, "target", where);
  const { sourceVocab, targetVocab } = vocabsFromConfig(opts, where);
  return new ParallelTextDataset(
    {
      sourceFile,
      targetFile,
      sourceLines: readTextLines(sourceFile),
      targetLines: readTextLines(targetFile),
      sourceVocab,
      targetVocab,
    },
    where,
  );
}

registerDataset("parallel_text", parallelTextFromConfig);
