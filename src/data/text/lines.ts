/**
 * Reads text files of one sentence per line: plain or gzip (recognised by
 * its magic bytes, whatever the name), strict UTF-8. A line ends at `\n`
 * only; a final newline does not start an extra line; a byte-order mark at
 * the start is dropped. Nothing else is changed: spaces, tabs and a `\r`
 * before the `\n` (files written on Windows) stay part of the line, so text
 * passes through exactly.
 * Invalid UTF-8 is an error naming the file, line and byte column.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { ReproError } from "../../util/errors.js";

const strict = new TextDecoder("utf-8", { fatal: true });

/** True for gzip data (magic bytes 1f 8b). */
export const isGzip = (bytes: Uint8Array): boolean =>
  bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** The raw bytes of `path`, gunzipped if it is gzip; errors name the file (and its role: "reference file"). */
export function readTextBytes(path: string, what?: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (code ?? String(e));
    throw new ReproError(`cannot read ${what ? `${what} ` : ""}"${path}": ${why}`);
  }
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new ReproError(`${path}: not a valid gzip file (${(e as Error).message})`);
  }
}

/** Splits decoded text into lines (see the module comment). */
export function splitTextLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Decodes UTF-8 bytes into lines; `name` (a file, `<stdin>`) starts the error for invalid UTF-8. */
export function decodeTextLines(bytes: Uint8Array, name: string): string[] {
  let text: string;
  try {
    text = strict.decode(bytes);
  } catch {
    throw new ReproError(invalidUtf8Message(bytes, name));
  }
  return splitTextLines(text);
}

/** Reads a plain or gzip text file into lines. */
export function readTextLines(path: string): string[] {
  return decodeTextLines(readTextBytes(path), path);
}

/** `name:LINE: invalid UTF-8 (byte 0xNN at byte column C)` for the first bad line. */
function invalidUtf8Message(bytes: Uint8Array, name: string): string {
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    const row = bytes.subarray(start, end);
    const col = firstInvalidUtf8(row);
    if (col >= 0) {
      const b = row[col].toString(16).padStart(2, "0");
      return `${name}:${line}: invalid UTF-8 (byte 0x${b} at byte column ${col + 1})`;
    }
    start = end + 1;
  }
  return `${name}: invalid UTF-8`;
}

/**
 * Offset of the first byte that does not start a well-formed UTF-8 sequence
 * (stray continuation byte, overlong form, surrogate, beyond U+10FFFF, or cut
 * short), or -1 when `row` is valid.
 */
export function firstInvalidUtf8(row: Uint8Array): number {
  let i = 0;
  while (i < row.length) {
    const b = row[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b === 0xe0) lo = 0xa0; // overlong
      if (b === 0xed) hi = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b === 0xf0) lo = 0x90; // overlong
      if (b === 0xf4) hi = 0x8f; // beyond U+10FFFF
    } else return i;
    if (i + n >= row.length) return i; // cut short
    const second = row[i + 1];
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= n; k++) if ((row[i + k] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}
