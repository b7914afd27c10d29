/**
 * BPE vocab files: JSON, one character or merge per line so that two vocab
 * files diff well, and byte-identical for the same model.
 *
 *   {
 *     "format": "repronet-bpe",
 *     "version": 1,
 *     "byte_fallback": true,
 *     "split_classes": true,
 *     "vocab_size": 8403,
 *     "chars": [
 *       "▁",
 *       "e",
 *       ...
 *     ],
 *     "merges": [
 *       ["e", "n"],
 *       ...
 *     ]
 *   }
 *
 * Ids follow from this (see `bpe.ts`): `</s>` 0, `<unk>` 1, the byte symbols
 * when `byte_fallback`, the chars in order, then each merge's new piece.
 * `vocab_size` is a check: loading fails if the file does not give that many.
 */
import { readFileSync } from "node:fs";
import { isPlainObject } from "../config/plain.js";
import { writeFileAtomic } from "../util/atomic.js";
import { didYouMean, ReproError } from "../util/errors.js";
import { BpeModel } from "./bpe.js";

export const VOCAB_FORMAT = "repronet-bpe";
export const VOCAB_VERSION = 1;
const KEYS = ["byte_fallback", "chars", "format", "merges", "split_classes", "version", "vocab_size"];

/** The vocab file's text for a model. */
export function bpeToJson(model: BpeModel): string {
  const s = (v: unknown) => JSON.stringify(v);
  const list = (items: string[]) => (items.length === 0 ? "[]" : `[\n    ${items.join(",\n    ")}\n  ]`);
  return [
    "{",
    `  "format": ${s(VOCAB_FORMAT)},`,
    `  "version": ${VOCAB_VERSION},`,
    `  "byte_fallback": ${s(model.byteFallback)},`,
    `  "split_classes": ${s(model.splitClasses)},`,
    `  "vocab_size": ${model.size},`,
    `  "chars": ${list(model.chars.map(s))},`,
    `  "merges": ${list(model.merges.map(([a, b]) => `[${s(a)}, ${s(b)}]`))}`,
    "}",
    "",
  ].join("\n");
}

/** Parses a vocab file's text; `where` (the file name) starts every error message. */
export function bpeFromJson(text: string, where: string): BpeModel {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ReproError(`${where}: not a JSON vocab file (${(e as Error).message})`);
  }
  if (!isPlainObject(v) || v.format !== VOCAB_FORMAT) {
    throw new ReproError(`${where}: not a repronet BPE vocab file (expected "format": "${VOCAB_FORMAT}")`);
  }
  if (v.version !== VOCAB_VERSION) {
    throw new ReproError(
      `${where}: vocab file version ${JSON.stringify(v.version)} is not supported (this is version ${VOCAB_VERSION})`,
    );
  }
  for (const key of Object.keys(v)) {
    if (!KEYS.includes(key)) throw new ReproError(`${where}: unknown key "${key}"${didYouMean(key, KEYS)}`);
  }
  const bool = (key: string): boolean => {
    if (typeof v[key] !== "boolean") throw new ReproError(`${where}: "${key}" must be true or false`);
    return v[key];
  };
  const chars = v.chars;
  if (!Array.isArray(chars) || !chars.every((c) => typeof c === "string")) {
    throw new ReproError(`${where}: "chars" must be a list of strings`);
  }
  const merges = v.merges;
  if (!Array.isArray(merges)) throw new ReproError(`${where}: "merges" must be a list of pairs`);
  merges.forEach((m, i) => {
    if (!Array.isArray(m) || m.length !== 2 || typeof m[0] !== "string" || typeof m[1] !== "string") {
      throw new ReproError(`${where}: merge ${i + 1} must be a pair of strings, got ${JSON.stringify(m)}`);
    }
  });
  const model = new BpeModel(
    {
      byteFallback: bool("byte_fallback"),
      splitClasses: bool("split_classes"),
      chars,
      merges: merges as [string, string][],
    },
    where,
  );
  if (v.vocab_size !== model.size) {
    throw new ReproError(
      `${where}: "vocab_size" is ${JSON.stringify(v.vocab_size)} but the file defines ${model.size} ids`,
    );
  }
  return model;
}

/** Writes the vocab file atomically. */
export function saveBpe(model: BpeModel, path: string): void {
  try {
    writeFileAtomic(path, bpeToJson(model));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    throw new ReproError(`cannot write vocab file "${path}": ${code}`);
  }
}

/** Reads a vocab file; errors name the file. */
export function loadBpe(path: string): BpeModel {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (code ?? String(e));
    throw new ReproError(`cannot read vocab file "${path}": ${why}`);
  }
  return bpeFromJson(text, path);
}
