/**
 * sacreBLEU 2.6 BLEU tokenizers: `13a` (mteval-v13a, the default), `intl`
 * (mteval-v14 international), `zh`, `char` and `none`. Each maps one
 * (already rstripped) line to a space-joined token string.
 */
import { didYouMean, ReproError } from "../util/errors.js";
import { pyNormalizeSpace, pyStrip } from "./pystr.js";

export type Tokenizer = (line: string) => string;

/**
 * The mteval-v13a regular expressions shared by `13a` and `zh`. The first class is
 * ASCII 0x20–0x26, 0x28–0x2B, 0x2F, 0x3A–0x40, 0x5B–0x60 and 0x7B–0x7E.
 */
const RE_13A_SYMBOLS = /([{-~[-\x60\x20-&(-+:-@/])/gu;
const RE_13A_PERIOD_COMMA_AFTER_NON_DIGIT = /([^0-9])([.,])/gu;
const RE_13A_PERIOD_COMMA_BEFORE_NON_DIGIT = /([.,])([^0-9])/gu;
const RE_13A_DASH_AFTER_DIGIT = /([0-9])(-)/gu;

/** sacreBLEU's `TokenizerRegexp`: the language-dependent part of 13a. */
export function tokenizeRegexp(line: string): string {
  line = line.replace(RE_13A_SYMBOLS, " $1 ");
  line = line.replace(RE_13A_PERIOD_COMMA_AFTER_NON_DIGIT, "$1 $2 ");
  line = line.replace(RE_13A_PERIOD_COMMA_BEFORE_NON_DIGIT, " $1 $2");
  line = line.replace(RE_13A_DASH_AFTER_DIGIT, "$1 $2 ");
  return pyNormalizeSpace(line);
}

/** `13a`: mteval-v13a tokenisation (entity unescaping, `<skipped>` removal, punctuation split). */
export function tokenize13a(line: string): string {
  line = line.replaceAll("<skipped>", "");
  line = line.replaceAll("-\n", "");
  line = line.replaceAll("\n", " ");
  if (line.includes("&")) {
    line = line.replaceAll("&quot;", '"');
    line = line.replaceAll("&amp;", "&");
    line = line.replaceAll("&lt;", "<");
    line = line.replaceAll("&gt;", ">");
  }
  return tokenizeRegexp(` ${line} `);
}

const RE_INTL_PUNCT_AFTER_NON_DIGIT = /(\P{N})(\p{P})/gu;
const RE_INTL_PUNCT_BEFORE_NON_DIGIT = /(\p{P})(\P{N})/gu;
const RE_INTL_SYMBOL = /(\p{S})/gu;

/**
 * `intl`: split Unicode punctuation unless it sits between digits, and every
 * symbol. No padding, so a number followed by a final period stays one token.
 */
export function tokenizeIntl(line: string): string {
  line = line.replace(RE_INTL_PUNCT_AFTER_NON_DIGIT, "$1 $2 ");
  line = line.replace(RE_INTL_PUNCT_BEFORE_NON_DIGIT, " $1 $2");
  line = line.replace(RE_INTL_SYMBOL, " $1 ");
  return pyNormalizeSpace(line);
}

/** `none`: the identity. */
export function tokenizeNone(line: string): string {
  return line;
}

/** `char`: every code point becomes a token (whitespace is left for the final split). */
export function tokenizeChar(line: string): string {
  return Array.from(line).join(" ");
}

/**
 * The code point ranges sacreBLEU's `zh` tokenizer treats as Chinese. Two of its
 * Python ranges are written `'\u20000'`/`'\u2a6d6'` and `'\u2f800'`/`'\u2fa1d'`:
 * four-digit escapes followed by a digit, i.e. two-character strings. Compared
 * with one character they select U+2001–U+2A6D and U+2F81–U+2FA1, which is what
 * sacreBLEU actually does, so those are the ranges used here.
 */
const ZH_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x3400, 0x4db5],
  [0x4e00, 0x9fa5],
  [0x9fa6, 0x9fbb],
  [0xf900, 0xfa2d],
  [0xfa30, 0xfa6a],
  [0xfa70, 0xfad9],
  [0x2001, 0x2a6d],
  [0x2f81, 0x2fa1],
  [0xff00, 0xffef],
  [0x2e80, 0x2eff],
  [0x3000, 0x303f],
  [0x31c0, 0x31ef],
  [0x2f00, 0x2fdf],
  [0x2ff0, 0x2fff],
  [0x3100, 0x312f],
  [0x31a0, 0x31bf],
  [0xfe10, 0xfe1f],
  [0xfe30, 0xfe4f],
  [0x2600, 0x26ff],
  [0x2700, 0x27bf],
  [0x3200, 0x32ff],
  [0x3300, 0x33ff],
];

function isZhChar(cp: number): boolean {
  for (const [lo, hi] of ZH_RANGES) if (cp >= lo && cp <= hi) return true;
  return false;
}

/** `zh`: pad every Chinese character with spaces, then apply the 13a regexes. */
export function tokenizeZh(line: string): string {
  let out = "";
  for (const ch of pyStrip(line)) out += isZhChar(ch.codePointAt(0)!) ? ` ${ch} ` : ch;
  return tokenizeRegexp(out);
}

const TOKENIZERS: Readonly<Record<string, Tokenizer>> = {
  "13a": tokenize13a,
  intl: tokenizeIntl,
  none: tokenizeNone,
  char: tokenizeChar,
  zh: tokenizeZh,
};

/** Names accepted by {@link getTokenizer}, sorted. */
export const TOKENIZER_NAMES: readonly string[] = Object.keys(TOKENIZERS).sort();

/** The tokenizer called `name`; a `ReproError` with a hint for an unknown name. */
export function getTokenizer(name: string): Tokenizer {
  const tok = Object.hasOwn(TOKENIZERS, name) ? TOKENIZERS[name] : undefined;
  if (!tok) {
    throw new ReproError(
      `unknown tokenizer "${name}" (known: ${TOKENIZER_NAMES.join(", ")})${didYouMean(name, TOKENIZER_NAMES)}`,
    );
  }
  return tok;
}
