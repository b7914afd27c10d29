/**
 * sacreBLEU's Tercom re-implementation (`lib_ter.py`): a beam-limited
 * Levenshtein distance with an edit trace, and the greedy block-shift search
 * with Tercom's candidate ranking and limits.
 */

const MAX_SHIFT_SIZE = 10;
const MAX_SHIFT_DIST = 50;
const BEAM_WIDTH = 25;
const MAX_CACHE_SIZE = 10000;
/** Shift candidates evaluated per sentence pair before the search gives up. */
export const MAX_SHIFT_CANDIDATES = 1000;
/**
 * sacreBLEU's "infinite" cost is 1e16, but 1e16 + k is not exact in float64. Any
 * sentinel far above every real cost orders candidates identically (costs on
 * uncomputed cells are compared only with each other or with finite costs), so
 * one that keeps `INF + k` exact is used.
 */
const INF = 2 ** 50;

/** Edit operations; the trace is a string of their characters. */
const OP_NOP = 0; // ' '
const OP_SUB = 1; // 's'
const OP_INS = 2; // 'i'
const OP_DEL = 3; // 'd'
const OP_UNDEF = 4; // 'x'

interface Row {
  readonly cost: Float64Array;
  readonly op: Uint8Array;
}

interface CacheNode {
  readonly children: Map<string, { node: CacheNode; row: Row }>;
}

/**
 * Edit distance from a fixed reference to hypotheses, with sacreBLEU's prefix
 * cache (rows of the matrix are shared by hypotheses with the same prefix; all
 * hypotheses given to one instance have the same length, as in TER's search).
 */
export class BeamEditDistance {
  private readonly ref: readonly string[];
  private readonly initialRow: Row;
  private readonly cache: CacheNode = { children: new Map() };
  private cacheSize = 0;

  constructor(ref: readonly string[]) {
    this.ref = ref;
    const n = ref.length + 1;
    const cost = new Float64Array(n);
    const op = new Uint8Array(n);
    for (let j = 0; j < n; j++) {
      cost[j] = j;
      op[j] = OP_INS;
    }
    this.initialRow = { cost, op };
  }

  /** `[distance, trace]`, the trace being a string over `' '`, `s`, `i`, `d`. */
  run(hyp: readonly string[]): [number, number[]] {
    const rows: Row[] = [this.initialRow];
    let node = this.cache;
    for (const w of hyp) {
      const hit = node.children.get(w);
      if (!hit) break;
      rows.push(hit.row);
      node = hit.node;
    }
    const cached = rows.length;
    const [dist, trace] = this.editDistance(hyp, rows);
    this.addCache(hyp, rows, cached);
    return [dist, trace];
  }

  private editDistance(h: readonly string[], dist: Row[]): [number, number[]] {
    const nH = h.length;
    const nR = this.ref.length;
    const startH = dist.length - 1;
    for (let i = startH; i < nH; i++) {
      const cost = new Float64Array(nR + 1).fill(INF);
      const op = new Uint8Array(nR + 1).fill(OP_UNDEF);
      dist.push({ cost, op });
    }
    const ratio = nH > 0 ? nR / nH : 1;
    const beam = BEAM_WIDTH < ratio / 2 ? Math.ceil(ratio / 2 + BEAM_WIDTH) : BEAM_WIDTH;
    for (let i = startH + 1; i <= nH; i++) {
      const diag = Math.floor(i * ratio);
      const minJ = Math.max(0, diag - beam);
      const maxJ = i === nH ? nR + 1 : Math.min(nR + 1, diag + beam);
      const prev = dist[i - 1];
      const cur = dist[i];
      const word = h[i - 1];
      for (let j = minJ; j < maxJ; j++) {
        if (j === 0) {
          cur.cost[0] = prev.cost[0] + 1;
          cur.op[0] = OP_DEL;
          continue;
        }
        const same = word === this.ref[j - 1];
        // Candidates in sacreBLEU's order; a later one wins only if strictly cheaper.
        let c = cur.cost[j];
        let o = cur.op[j];
        const sub = prev.cost[j - 1] + (same ? 0 : 1);
        if (c > sub) {
          c = sub;
          o = same ? OP_NOP : OP_SUB;
        }
        const del = prev.cost[j] + 1;
        if (c > del) {
          c = del;
          o = OP_DEL;
        }
        const ins = cur.cost[j - 1] + 1;
        if (c > ins) {
          c = ins;
          o = OP_INS;
        }
        cur.cost[j] = c;
        cur.op[j] = o;
      }
    }
    const trace: number[] = [];
    let i = nH;
    let j = nR;
    while (i > 0 || j > 0) {
      const o = dist[i].op[j];
      trace.push(o);
      if (o === OP_SUB || o === OP_NOP) {
        i--;
        j--;
      } else if (o === OP_INS) {
        j--;
      } else if (o === OP_DEL) {
        i--;
      } else {
        throw new Error(`TER: undefined edit operation at (${i}, ${j})`);
      }
    }
    trace.reverse();
    return [dist[nH].cost[nR], trace];
  }

  private addCache(hyp: readonly string[], rows: readonly Row[], cached: number): void {
    if (this.cacheSize >= MAX_CACHE_SIZE) return;
    let node = this.cache;
    for (let i = 0; i < cached - 1; i++) node = node.children.get(hyp[i])!.node;
    for (let i = cached - 1; i < hyp.length; i++) {
      let hit = node.children.get(hyp[i]);
      if (!hit) {
        hit = { node: { children: new Map() }, row: rows[i + 1] };
        node.children.set(hyp[i], hit);
        this.cacheSize++;
      }
      node = hit.node;
    }
  }
}

/** Alignment of reference positions to hypothesis positions, and error flags, from a flipped trace. */
function traceToAlignment(trace: readonly number[]): { align: number[]; refErr: number[]; hypErr: number[] } {
  let posH = -1;
  let posR = -1;
  const align: number[] = [];
  const refErr: number[] = [];
  const hypErr: number[] = [];
  for (const raw of trace) {
    // The trace rewrites the hypothesis into the reference; flip it (i <-> d).
    const o = raw === OP_INS ? OP_DEL : raw === OP_DEL ? OP_INS : raw;
    if (o === OP_NOP || o === OP_SUB) {
      posH++;
      posR++;
      align[posR] = posH;
      const e = o === OP_SUB ? 1 : 0;
      hypErr.push(e);
      refErr.push(e);
    } else if (o === OP_INS) {
      posH++;
      hypErr.push(1);
    } else {
      posR++;
      align[posR] = posH;
      refErr.push(1);
    }
  }
  return { align, refErr, hypErr };
}

/** Moves `words[start, start+length)` so that it begins before index `target`. */
export function performShift(
  words: readonly string[],
  start: number,
  length: number,
  target: number,
): string[] {
  const block = words.slice(start, start + length);
  if (target < start) {
    return [
      ...words.slice(0, target),
      ...block,
      ...words.slice(target, start),
      ...words.slice(start + length),
    ];
  }
  if (target > start + length) {
    return [
      ...words.slice(0, start),
      ...words.slice(start + length, target),
      ...block,
      ...words.slice(target),
    ];
  }
  return [
    ...words.slice(0, start),
    ...words.slice(start + length, length + target),
    ...block,
    ...words.slice(length + target),
  ];
}

function sumRange(xs: readonly number[], from: number, to: number): number {
  let s = 0;
  for (let k = from; k < to && k < xs.length; k++) s += xs[k];
  return s;
}

interface ShiftResult {
  readonly delta: number;
  readonly words: readonly string[];
  readonly checked: number;
}

/** The best block shift of `h` (sacreBLEU's `_shift`), continuing the candidate count `checked`. */
function bestShift(
  h: readonly string[],
  r: readonly string[],
  ed: BeamEditDistance,
  checked: number,
): ShiftResult {
  const [preScore, trace] = ed.run(h);
  const { align, refErr, hypErr } = traceToAlignment(trace);
  let best: { delta: number; length: number; negStart: number; negIdx: number; words: string[] } | null =
    null;
  outer: for (let sh = 0; sh < h.length; sh++) {
    for (let sr = 0; sr < r.length; sr++) {
      if (Math.abs(sr - sh) > MAX_SHIFT_DIST) continue;
      let length = 0;
      while (h[sh + length] === r[sr + length] && length < MAX_SHIFT_SIZE) {
        length++;
        // Candidate (sh, sr, length).
        const considered =
          sumRange(hypErr, sh, sh + length) !== 0 &&
          sumRange(refErr, sr, sr + length) !== 0 &&
          !(sh <= align[sr] && align[sr] < sh + length);
        if (considered) {
          let prevIdx = -1;
          for (let off = -1; off < length; off++) {
            let idx: number;
            if (sr + off === -1) idx = 0;
            else if (sr + off < align.length) idx = align[sr + off] + 1;
            else break;
            if (idx === prevIdx) continue;
            prevIdx = idx;
            const words = performShift(h, sh, length, idx);
            const delta = preScore - ed.run(words)[0];
            checked++;
            if (
              best === null ||
              delta > best.delta ||
              (delta === best.delta &&
                (length > best.length ||
                  (length === best.length &&
                    (-sh > best.negStart || (-sh === best.negStart && -idx > best.negIdx)))))
            ) {
              best = { delta, length, negStart: -sh, negIdx: -idx, words };
            }
          }
          if (checked >= MAX_SHIFT_CANDIDATES) break outer;
        }
        if (h.length === sh + length || r.length === sr + length) break;
      }
    }
  }
  return best === null ? { delta: 0, words: h, checked } : { delta: best.delta, words: best.words, checked };
}

/** Edits of one hypothesis against one reference, with the search's bookkeeping. */
export interface TerPair {
  readonly edits: number;
  readonly refLength: number;
  readonly shifts: number;
  /** Shift candidates evaluated (the search stops once it reaches {@link MAX_SHIFT_CANDIDATES}). */
  readonly checked: number;
}

/** sacreBLEU's `translation_edit_rate`: greedy shifts while they help, then the edit distance. */
export function translationEditRate(hyp: readonly string[], ref: readonly string[]): TerPair {
  if (ref.length === 0) return { edits: hyp.length, refLength: 0, shifts: 0, checked: 0 };
  const ed = new BeamEditDistance(ref);
  let shifts = 0;
  let words = hyp;
  let checked = 0;
  for (;;) {
    const res = bestShift(words, ref, ed, checked);
    checked = res.checked;
    if (checked >= MAX_SHIFT_CANDIDATES) break;
    if (res.delta <= 0) break;
    shifts++;
    words = res.words;
  }
  const [dist] = ed.run(words);
  return { edits: shifts + dist, refLength: ref.length, shifts, checked };
}
