/**
 * Reads text files the way sacreBLEU's CLI does: UTF-8 (optionally gzipped),
 * lines split on `\n` only, each line right-stripped of Python whitespace.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { ReproError } from "../util/errors.js";
import { pyRstrip } from "./pystr.js";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Splits text into lines on `\n`; a final newline does not start an extra line. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** The right-stripped lines of `path`; `what` names the file's role in errors ("reference file"). */
export function readLines(path: string, what: string): string[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (code ?? String(e));
    throw new ReproError(`cannot read ${what} "${path}": ${why}`);
  }
  if (path.endsWith(".gz")) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      throw new ReproError(`cannot read ${what} "${path}": not a valid gzip file`);
    }
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ReproError(`cannot read ${what} "${path}": not valid UTF-8`);
  }
  return splitLines(text).map(pyRstrip);
}
