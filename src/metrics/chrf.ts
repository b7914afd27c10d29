/**
 * chrF and chrF++ exactly as sacreBLEU 2.6 computes them: character n-grams over
 * code points (whitespace removed unless asked), optional word n-grams with
 * punctuation split off word edges, best reference per segment by sentence F,
 * and the corpus F-beta from summed statistics (effective-order averaging, or
 * eps smoothing).
 */
import { ReproError } from "../util/errors.js";
import type { CorpusStats, Metric, ResampledScore } from "./metric.js";
import { type Counter, charNgramsUpTo, counterTotal, wordNgrams } from "./ngrams.js";
import { pyFixed } from "./pyformat.js";
import { codePoints, pyLower, pySplit } from "./pystr.js";
import { groupRefs, type RefStreams, sumStats } from "./refs.js";
import { formatSignature, type NRefs, type SigResampling } from "./signature.js";

export interface ChrfOptions {
  readonly charOrder?: number;
  /** 0 for chrF (default), 2 for chrF++. */
  readonly wordOrder?: number;
  readonly beta?: number;
  readonly lowercase?: boolean;
  /** Keep whitespace inside character n-grams. */
  readonly whitespace?: boolean;
  readonly epsSmoothing?: boolean;
}

/** Python's `string.punctuation`. */
const PUNCTS = new Set(Array.from("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"));
const EPS = 1e-16;

/** chrF++'s word splitting: one edge punctuation mark is split off each word longer than one character. */
export function chrfWords(sent: string): string[] {
  const out: string[] = [];
  for (const w of pySplit(sent)) {
    const cps = codePoints(w);
    if (cps.length === 1) {
      out.push(w);
    } else if (PUNCTS.has(cps[cps.length - 1])) {
      out.push(cps.slice(0, -1).join(""), cps[cps.length - 1]);
    } else if (PUNCTS.has(cps[0])) {
      out.push(cps[0], cps.slice(1).join(""));
    } else {
      out.push(w);
    }
  }
  return out;
}

/** `[hyp_count (0 if the reference has no n-grams), ref_count, matches]` for one order. */
function matchStats(hyp: Counter, ref: Counter): [number, number, number] {
  let match = 0;
  let hypCount = 0;
  for (const [ng, c] of hyp) {
    hypCount += c;
    const rc = ref.get(ng);
    if (rc !== undefined) match += Math.min(c, rc);
  }
  return [ref.size > 0 ? hypCount : 0, counterTotal(ref), match];
}

export class Chrf implements Metric {
  readonly charOrder: number;
  readonly wordOrder: number;
  readonly beta: number;
  readonly lowercase: boolean;
  readonly whitespace: boolean;
  readonly epsSmoothing: boolean;

  constructor(opts: ChrfOptions = {}) {
    this.charOrder = opts.charOrder ?? 6;
    this.wordOrder = opts.wordOrder ?? 0;
    this.beta = opts.beta ?? 2;
    this.lowercase = opts.lowercase ?? false;
    this.whitespace = opts.whitespace ?? false;
    this.epsSmoothing = opts.epsSmoothing ?? false;
    for (const [k, v] of [
      ["char order", this.charOrder],
      ["word order", this.wordOrder],
      ["beta", this.beta],
    ] as const) {
      if (!Number.isInteger(v) || v < 0)
        throw new ReproError(`chrF ${k} must be a non-negative integer, got ${v}`);
    }
    if (this.charOrder + this.wordOrder === 0)
      throw new ReproError("chrF needs a character or word order above 0");
  }

  /** `chrF2`, or `chrF2++` with word order 2 (one `+` per word order). */
  get name(): string {
    return `chrF${this.beta}${"+".repeat(this.wordOrder)}`;
  }

  get order(): number {
    return this.charOrder + this.wordOrder;
  }

  get statWidth(): number {
    return 3 * this.order;
  }

  private ngrams(sent: string): Counter[] {
    const all = charNgramsUpTo(sent, this.charOrder, this.whitespace);
    if (this.wordOrder > 0) {
      const words = chrfWords(sent);
      for (let n = 1; n <= this.wordOrder; n++) all.push(wordNgrams(words, n));
    }
    return all;
  }

  /** The statistics against the reference with the strictly best sentence F (first wins ties). */
  segmentStats(hyp: string, refs: readonly string[]): number[] {
    const hypNgrams = this.ngrams(hyp);
    let best: number[] = [];
    let bestF = -1.0;
    for (const ref of refs) {
      const refNgrams = this.ngrams(ref);
      const stats: number[] = [];
      hypNgrams.forEach((h, i) => {
        stats.push(...matchStats(h, refNgrams[i]));
      });
      const f = this.fScore(stats, false);
      if (f > bestF) {
        bestF = f;
        best = stats;
      }
    }
    return best;
  }

  corpusStats(hyps: readonly string[], refs: RefStreams): CorpusStats {
    const grouped = groupRefs(refs, hyps.length);
    const prep = (s: string) => (this.lowercase ? pyLower(s) : s);
    const rows = hyps.map((h, i) => this.segmentStats(prep(h), grouped.perSegment[i].map(prep)));
    return { rows, nrefs: grouped.nrefs };
  }

  /**
   * sacreBLEU's `_compute_f_score`. With `float32` it follows numpy 2 on float32
   * statistics: every operation that touches a statistic rounds to float32, and
   * so does everything computed from those results.
   */
  private fScore(stats: readonly number[], float32: boolean): number {
    const r = float32 ? Math.fround : (x: number) => x;
    const factor = this.beta ** 2;
    // `score` only matters with eps smoothing. It stays a Python float until the
    // first term computed from a statistic (a float32) is added to it.
    let score = 0.0;
    let scoreIsF32 = false;
    let effOrder = 0;
    let avgPrec = 0.0;
    let avgRec = 0.0;
    for (let i = 0; i < this.order; i++) {
      const nHyp = stats[3 * i];
      const nRef = stats[3 * i + 1];
      const nMatch = stats[3 * i + 2];
      if (nRef === 0) {
        // Then nHyp is 0 too: prec = rec = eps are Python floats, no float32 involved.
        const denom = factor * EPS + EPS;
        const term = denom > 0 ? ((1 + factor) * EPS * EPS) / denom : EPS;
        score = scoreIsF32 ? r(score + r(term)) : score + term;
        continue;
      }
      const prec = nHyp > 0 ? r(nMatch / nHyp) : EPS;
      const rec = r(nMatch / nRef);
      const denom = r(r(factor * prec) + rec);
      if (denom > 0) {
        score = r(score + r(r(r((1 + factor) * prec) * rec) / denom));
        scoreIsF32 = float32;
      } else {
        score = scoreIsF32 ? r(score + r(EPS)) : score + EPS;
      }
      if (nHyp > 0) {
        avgPrec = r(avgPrec + prec);
        avgRec = r(avgRec + rec);
        effOrder += 1;
      }
    }
    if (this.epsSmoothing) return scoreIsF32 ? r(r(100 * score) / this.order) : (100 * score) / this.order;
    if (effOrder === 0) {
      avgPrec = 0.0;
      avgRec = 0.0;
    } else {
      avgPrec = r(avgPrec / effOrder);
      avgRec = r(avgRec / effOrder);
    }
    if (r(avgPrec + avgRec) !== 0) {
      let s = r(r((1 + factor) * avgPrec) * avgRec);
      s = r(s / r(r(factor * avgPrec) + avgRec));
      return r(100 * s);
    }
    return 0.0;
  }

  scoreFromStats(sums: readonly number[]): number {
    return this.fScore(sums, false);
  }

  resampledScore(sums: readonly number[]): ResampledScore {
    // The score is a float32 unless the computation returned its Python-float 0.0
    // early (no precision and recall at all) or never touched a statistic.
    const value = this.fScore(sums, true);
    return { value, float32: this.fScoreIsFloat32(sums) };
  }

  /** Whether `_compute_f_score` returns a numpy float32 (rather than a Python float) on float32 stats. */
  private fScoreIsFloat32(sums: readonly number[]): boolean {
    let anyStat = false;
    let avgNonZero = false;
    for (let i = 0; i < this.order; i++) {
      const nHyp = sums[3 * i];
      const nRef = sums[3 * i + 1];
      const nMatch = sums[3 * i + 2];
      // A float32 term joins the eps-smoothed sum when its denominator is positive.
      if (nRef > 0 && (nHyp === 0 || nMatch > 0)) anyStat = true;
      if (nHyp > 0 && nRef > 0 && nMatch > 0) avgNonZero = true;
    }
    return this.epsSmoothing ? anyStat : avgNonZero;
  }

  /** The chrF score of a corpus. */
  corpusScore(hyps: readonly string[], refs: RefStreams): { score: number; nrefs: NRefs } {
    const { rows, nrefs } = this.corpusStats(hyps, refs);
    return { score: this.scoreFromStats(sumStats(rows, this.statWidth)), nrefs };
  }

  signature(nrefs: NRefs, resampling?: SigResampling, short = false): string {
    return formatSignature(
      nrefs,
      {
        entries: [
          ["case", this.lowercase ? "lc" : "mixed"],
          ["eff", this.epsSmoothing ? "no" : "yes"],
          ["nc", this.charOrder],
          ["nw", this.wordOrder],
          ["space", this.whitespace ? "yes" : "no"],
        ],
        abbr: { case: "c", eff: "e", nc: "nc", nw: "nw", space: "s" },
      },
      resampling,
      short,
    );
  }
}

/** sacreBLEU's `str(CHRFScore)`: `chrF2 = 58.01`. */
export function formatChrf(name: string, score: number, width = 2): string {
  return `${name} = ${pyFixed(score, width)}`;
}
