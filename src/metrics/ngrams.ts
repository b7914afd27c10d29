/**
 * N-gram counters (Python `collections.Counter` equivalents) for BLEU and chrF.
 * Keys are strings: tokens never contain whitespace, so a word n-gram is its
 * tokens joined by one space; a character n-gram is its substring.
 */
import { codePoints, pyRemoveSpace } from "./pystr.js";

export type Counter = Map<string, number>;

function bump(c: Counter, key: string): void {
  c.set(key, (c.get(key) ?? 0) + 1);
}

/** Word n-grams of `tokens` of exactly order `n`. */
export function wordNgrams(tokens: readonly string[], n: number): Counter {
  const c: Counter = new Map();
  for (let i = 0; i + n <= tokens.length; i++) bump(c, tokens.slice(i, i + n).join(" "));
  return c;
}

/** Word n-grams of orders 1..maxOrder, one counter per order (index 0 = unigrams). */
export function wordNgramsUpTo(tokens: readonly string[], maxOrder: number): Counter[] {
  const out: Counter[] = [];
  for (let n = 1; n <= maxOrder; n++) out.push(wordNgrams(tokens, n));
  return out;
}

/**
 * Character n-grams of orders 1..maxOrder over the code points of `line`; all
 * whitespace is removed first unless `includeWhitespace`.
 */
export function charNgramsUpTo(line: string, maxOrder: number, includeWhitespace: boolean): Counter[] {
  const chars = codePoints(includeWhitespace ? line : pyRemoveSpace(line));
  const out: Counter[] = [];
  for (let n = 1; n <= maxOrder; n++) {
    const c: Counter = new Map();
    for (let i = 0; i + n <= chars.length; i++) bump(c, chars.slice(i, i + n).join(""));
    out.push(c);
  }
  return out;
}

/** Sum of a counter's values. */
export function counterTotal(c: Counter): number {
  let t = 0;
  for (const v of c.values()) t += v;
  return t;
}
