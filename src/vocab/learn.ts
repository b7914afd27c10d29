/**
 * Learning BPE merges on raw text (joint over everything passed in).
 *
 * The text is cut into units exactly as encoding does (`segment.ts`), and
 * identical units are counted. Each step merges the most frequent adjacent
 * pair of symbols over all units (a pair occurring k times in a unit seen f
 * times counts k·f); ties go to the smaller pair in string order (left piece,
 * then right piece, by code points). All non-overlapping occurrences are
 * merged left to right. Learning stops after `numMerges` merges or when no
 * pair occurs `minFrequency` times.
 *
 * Only the counts that a merge changes are updated (an index from pair to the
 * units containing it, and a max-heap with lazily dropped stale entries), so
 * thousands of merges over a corpus take seconds.
 */
import { ReproError } from "../util/errors.js";
import { BpeModel, orderChars } from "./bpe.js";
import { compareCodePoints, META, segment } from "./segment.js";

export interface LearnBpeOptions {
  /** Stop when the best pair occurs fewer times (default 2). */
  minFrequency?: number;
  /** See `BpeOptions` (both default to true). */
  byteFallback?: boolean;
  splitClasses?: boolean;
  /** Called after each merge and once at the start (0 done). */
  onProgress?: (merges: number, total: number) => void;
}

const PAIR_SHIFT = 2 ** 26;

interface HeapEntry {
  count: number;
  left: number;
  right: number;
}

/**
 * Learns up to `numMerges` merges from `lines` (raw sentences, one per
 * element). The result depends only on the multiset of units in the text and
 * the options, never on Map or Set iteration order.
 */
export function learnBpe(lines: Iterable<string>, numMerges: number, opts: LearnBpeOptions = {}): BpeModel {
  const minFrequency = opts.minFrequency ?? 2;
  const byteFallback = opts.byteFallback ?? true;
  const splitClasses = opts.splitClasses ?? true;
  if (!Number.isSafeInteger(numMerges) || numMerges < 0) {
    throw new ReproError(`the number of merges must be an integer >= 0, got ${numMerges}`);
  }
  if (!Number.isSafeInteger(minFrequency) || minFrequency < 1) {
    throw new ReproError(`the minimum pair frequency must be an integer >= 1, got ${minFrequency}`);
  }

  // Count units, and characters over them.
  const unitCounts = new Map<string, number>();
  const callbacks = {
    known: () => true,
    onUnit: (u: string) => unitCounts.set(u, (unitCounts.get(u) ?? 0) + 1),
    onUnknown: () => {},
  };
  for (const line of lines) segment(line, splitClasses, callbacks);
  const units = [...unitCounts.keys()].sort(compareCodePoints);
  const charCounts = new Map<string, number>([[META, 0]]);
  for (const u of units) {
    const f = unitCounts.get(u)!;
    for (const c of u) charCounts.set(c, (charCounts.get(c) ?? 0) + f);
  }
  const chars = orderChars(charCounts);

  // Symbols are numbered densely here (not the model's ids): chars, then merge results.
  const symbols: string[] = [...chars];
  const symbolId = new Map<string, number>(chars.map((c, i) => [c, i]));
  const words: number[][] = units.map((u) => Array.from(u, (c) => symbolId.get(c)!));
  const freqs: number[] = units.map((u) => unitCounts.get(u)!);

  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, number[]>();
  const addPair = (key: number, delta: number) => {
    const n = (pairCount.get(key) ?? 0) + delta;
    if (n === 0) pairCount.delete(key);
    else pairCount.set(key, n);
  };
  words.forEach((w, wi) => {
    for (let i = 0; i + 1 < w.length; i++) {
      const key = w[i] * PAIR_SHIFT + w[i + 1];
      addPair(key, freqs[wi]);
      const list = pairWords.get(key);
      if (list === undefined) pairWords.set(key, [wi]);
      else if (list[list.length - 1] !== wi) list.push(wi);
    }
  });

  // Max-heap: higher count first; ties by (left piece, right piece) in code-point order.
  const before = (a: HeapEntry, b: HeapEntry): boolean => {
    if (a.count !== b.count) return a.count > b.count;
    const c = compareCodePoints(symbols[a.left], symbols[b.left]);
    return c !== 0 ? c < 0 : compareCodePoints(symbols[a.right], symbols[b.right]) < 0;
  };
  const heap: HeapEntry[] = [];
  const push = (e: HeapEntry) => {
    heap.push(e);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const pop = (): HeapEntry => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l], heap[m])) m = l;
        if (r < heap.length && before(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  };
  const pushKey = (key: number) => {
    const count = pairCount.get(key);
    if (count !== undefined) push({ count, left: Math.floor(key / PAIR_SHIFT), right: key % PAIR_SHIFT });
  };
  for (const key of pairCount.keys()) pushKey(key);

  const merges: [string, string][] = [];
  const seen = new Int32Array(words.length).fill(-1);
  const mergedKeys = new Set<number>();
  opts.onProgress?.(0, numMerges);
  while (merges.length < numMerges && heap.length > 0) {
    const top = pop();
    const key = top.left * PAIR_SHIFT + top.right;
    if (pairCount.get(key) !== top.count) continue; // stale entry
    if (top.count < minFrequency) break;
    if (mergedKeys.has(key)) {
      // Two merges gave one piece (ab+c, a+bc) and re-formed a merged pair: never list a pair twice.
      continue;
    }
    mergedKeys.add(key);
    const { left, right } = top;
    const merged = symbols[left] + symbols[right];
    let id = symbolId.get(merged);
    if (id === undefined) {
      id = symbols.length;
      if (id >= PAIR_SHIFT) throw new ReproError(`too many symbols (${id}) for BPE learning`);
      symbols.push(merged);
      symbolId.set(merged, id);
    }
    merges.push([symbols[left], symbols[right]]);

    const delta = new Map<number, number>();
    const step = merges.length;
    for (const wi of pairWords.get(key) ?? []) {
      if (seen[wi] === step) continue;
      seen[wi] = step;
      const w = words[wi];
      let has = false;
      for (let i = 0; i + 1 < w.length && !has; i++) has = w[i] === left && w[i + 1] === right;
      if (!has) continue; // the index is lazy: this unit lost the pair to an earlier merge
      const f = freqs[wi];
      const out: number[] = [];
      for (let i = 0; i < w.length; i++) {
        if (i + 1 < w.length && w[i] === left && w[i + 1] === right) {
          out.push(id);
          i++;
        } else out.push(w[i]);
      }
      for (let i = 0; i + 1 < w.length; i++) {
        const k = w[i] * PAIR_SHIFT + w[i + 1];
        delta.set(k, (delta.get(k) ?? 0) - f);
      }
      for (let i = 0; i + 1 < out.length; i++) {
        const k = out[i] * PAIR_SHIFT + out[i + 1];
        const d = (delta.get(k) ?? 0) + f;
        delta.set(k, d);
        if (out[i] === id || out[i + 1] === id) {
          const list = pairWords.get(k);
          if (list === undefined) pairWords.set(k, [wi]);
          else if (list[list.length - 1] !== wi) list.push(wi);
        }
      }
      words[wi] = out;
    }
    pairWords.delete(key);
    for (const [k, d] of delta) {
      if (d === 0) continue;
      addPair(k, d);
      pushKey(k);
    }
    opts.onProgress?.(merges.length, numMerges);
  }
  return new BpeModel({ byteFallback, splitClasses, chars, merges });
}
