/**
 * Reads text files the way sacreBLEU's CLI does: UTF-8 (optionally gzipped),
 * lines split on `\n` only, each line right-stripped of Python whitespace. A
 * byte-order mark stays in the text, as Python's "utf-8" codec keeps it.
 */
import { readTextBytes, splitTextLines } from "../data/text/lines.js";
import { ReproError } from "../util/errors.js";
import { pyRstrip } from "./pystr.js";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The right-stripped lines of `path`; `what` names the file's role in errors ("reference file"). */
export function readLines(path: string, what: string): string[] {
  const bytes = readTextBytes(path, what);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ReproError(`cannot read ${what} "${path}": not valid UTF-8`);
  }
  return splitTextLines(text).map(pyRstrip);
}
