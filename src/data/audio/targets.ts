/**
 * Transcript → label ids for OggZipDataset `targets`, as RETURNN's
 * Vocabulary.create_vocab: `{"class": "CharacterTargets", "vocab_file": …}`
 * maps every character (spaces included; unknown ones to `unknown_label`,
 * default "@", when the vocab has it), no class means a word vocabulary
 * (whitespace split, unknown label "UNK"); `seq_postfix` ids are appended.
 * `{"class": "BytePairEncoding", "bpe_file": …, "vocab_file": …}` (or any
 * targets with a `bpe_file`, as RETURNN's create_vocab) splits words with
 * subword-nmt codes (src/vocab/subword-nmt.ts) and maps the pieces.
 * A vocab file is a Python/JSON dict literal {label: id} or one label per
 * line (id = line index).
 */
import { readFileSync } from "node:fs";
import { isPlainObject } from "../../config/plain.js";
import { parsePythonConfig } from "../../config/pyparse.js";
import { didYouMean, ReproError } from "../../util/errors.js";
import { joinBpePieces, SubwordNmtBpe } from "../../vocab/subword-nmt.js";

export interface Targets {
  readonly numLabels: number;
  /** Label ids of `text`; `where` names the sequence in errors. */
  encode(text: string, where: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
}

const OPTIONS = ["class", "vocab_file", "bpe_file", "unknown_label", "seq_postfix"];

/** The text of the file an option names, or one error line naming option and file. */
function readOptionFile(file: string, option: string, where: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new ReproError(
      `${where}: cannot read ${option} ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
}

function readVocab(file: string, where: string): Map<string, number> {
  const text = readOptionFile(file, "vocab_file", where);
  const vocab = new Map<string, number>();
  if (text.trimStart().startsWith("{")) {
    const dict = parsePythonConfig(`vocab = ${text}`, file).vocab;
    if (!isPlainObject(dict)) throw new ReproError(`${file}: a vocab file must hold a dict {label: id}`);
    for (const [label, id] of Object.entries(dict)) {
      if (!Number.isInteger(id))
        throw new ReproError(`${file}: label "${label}" has a non-integer id ${JSON.stringify(id)}`);
      vocab.set(label, id as number);
    }
  } else {
    text.split("\n").forEach((line, i) => {
      if (line !== "" || i < text.split("\n").length - 1) vocab.set(line, i);
    });
  }
  return vocab;
}

export function targetsFromConfig(spec: unknown, where: string): Targets {
  if (!isPlainObject(spec)) throw new ReproError(`${where}: option "targets" must be a dict`);
  for (const key of Object.keys(spec)) {
    if (!OPTIONS.includes(key))
      throw new ReproError(`${where}: unknown targets option "${key}"${didYouMean(key, OPTIONS)}`);
  }
  const cls = spec.class ?? (spec.bpe_file !== undefined ? "BytePairEncoding" : null);
  if (cls !== null && cls !== "CharacterTargets" && cls !== "Vocabulary" && cls !== "BytePairEncoding") {
    throw new ReproError(
      `${where}: targets class "${String(cls)}" is not supported (CharacterTargets, Vocabulary, BytePairEncoding)`,
    );
  }
  if (typeof spec.vocab_file !== "string") throw new ReproError(`${where}: targets need a "vocab_file"`);
  const file = spec.vocab_file;
  const vocab = readVocab(file, where);
  const chars = cls === "CharacterTargets";
  const bpe = cls === "BytePairEncoding" ? bpeOf(spec.bpe_file, where, new Set(vocab.keys())) : null;
  const unknown = spec.unknown_label === undefined ? (chars ? "@" : "UNK") : spec.unknown_label;
  const unknownId = typeof unknown === "string" ? vocab.get(unknown) : undefined;
  const postfix = Array.isArray(spec.seq_postfix) ? (spec.seq_postfix as number[]) : [];
  const numLabels = Math.max(...vocab.values()) + 1;
  const labels = new Map([...vocab].map(([l, i]) => [i, l]));
  return {
    numLabels,
    encode(text, at) {
      const tokens = bpe
        ? bpe.segmentSentence(text)
        : chars
          ? [...text]
          : text.split(/\s+/).filter((w) => w !== "");
      const ids = tokens.map((tok) => {
        const id = vocab.get(tok) ?? unknownId;
        if (id === undefined) {
          throw new ReproError(
            `${at}: ${chars ? "character" : bpe ? "BPE piece" : "word"} ${JSON.stringify(tok)} is not in the vocabulary ${file}`,
          );
        }
        return id;
      });
      return Int32Array.from([...ids, ...postfix]);
    },
    decode: (ids) => {
      const pieces = Array.from(ids, (i) => labels.get(i) ?? "");
      return bpe ? joinBpePieces(pieces) : pieces.join(chars ? "" : " ");
    },
  };
}

function bpeOf(file: unknown, where: string, labels: ReadonlySet<string>): SubwordNmtBpe {
  if (typeof file !== "string") throw new ReproError(`${where}: BytePairEncoding targets need a "bpe_file"`);
  return new SubwordNmtBpe(readOptionFile(file, "bpe_file", where), file, labels);
}
