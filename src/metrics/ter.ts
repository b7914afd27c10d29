/**
 * TER exactly as sacreBLEU 2.6 computes it: Tercom tokenisation, the minimum
 * edits over a segment's references, the mean reference length, and the corpus
 * score `100 * (edits / length)` from the sums.
 */
import type { CorpusStats, Metric, ResampledScore } from "./metric.js";
import { pyFixed } from "./pyformat.js";
import { pyRstrip, pySplit } from "./pystr.js";
import { groupRefs, type RefStreams, sumStats } from "./refs.js";
import { formatSignature, type NRefs, type SigResampling } from "./signature.js";
import { type TerPair, translationEditRate } from "./terAlign.js";
import { type TercomOptions, tercomTokenize } from "./terTokenizer.js";

export type TerOptions = TercomOptions;

/** One segment's TER statistics and the per-reference search details. */
export interface TerSegment {
  /** `[best_edits, mean_ref_length]`. */
  readonly stats: [number, number];
  readonly pairs: TerPair[];
}

export class Ter implements Metric {
  readonly name = "TER";
  readonly statWidth = 2;
  readonly opts: Required<TercomOptions>;

  constructor(opts: TerOptions = {}) {
    this.opts = {
      normalized: opts.normalized ?? false,
      noPunct: opts.noPunct ?? false,
      asianSupport: opts.asianSupport ?? false,
      caseSensitive: opts.caseSensitive ?? false,
    };
  }

  /** Rstrip and Tercom-tokenize one line. */
  preprocess(line: string): string {
    return tercomTokenize(pyRstrip(line), this.opts);
  }

  /**
   * How sacreBLEU prepares a reference for TER: it preprocesses references when
   * caching them and again when extracting their words, so the tokenizer runs
   * twice (which matters: `it's\t` only becomes `it 's` on the second pass).
   */
  preprocessRef(line: string): string {
    return this.preprocess(this.preprocess(line));
  }

  /** Statistics of one preprocessed hypothesis against its preprocessed references. */
  segment(hyp: string, refs: readonly string[]): TerSegment {
    const hypWords = pySplit(hyp);
    let refLengths = 0;
    let best = 1e16;
    const pairs: TerPair[] = [];
    for (const ref of refs) {
      const pair = translationEditRate(hypWords, pySplit(ref));
      pairs.push(pair);
      refLengths += pair.refLength;
      if (pair.edits < best) best = pair.edits;
    }
    return { stats: [best, refLengths / refs.length], pairs };
  }

  /** Per-segment results including the search details of every (segment, reference) pair. */
  corpusSegments(hyps: readonly string[], refs: RefStreams): { segments: TerSegment[]; nrefs: NRefs } {
    const grouped = groupRefs(refs, hyps.length);
    const segments = hyps.map((h, i) =>
      this.segment(
        this.preprocess(h),
        grouped.perSegment[i].map((r) => this.preprocessRef(r)),
      ),
    );
    return { segments, nrefs: grouped.nrefs };
  }

  corpusStats(hyps: readonly string[], refs: RefStreams): CorpusStats {
    const { segments, nrefs } = this.corpusSegments(hyps, refs);
    return { rows: segments.map((s) => [...s.stats]), nrefs };
  }

  private compute(sums: readonly number[], float32: boolean): number {
    const r = float32 ? Math.fround : (x: number) => x;
    const [edits, length] = sums;
    let score: number;
    if (length > 0) score = r(edits / length);
    else if (edits > 0) score = 1.0;
    else score = 0.0;
    // `100 * score` is float32 only when `score` came from the float32 statistics.
    return length > 0 ? r(100 * score) : 100 * score;
  }

  scoreFromStats(sums: readonly number[]): number {
    return this.compute(sums, false);
  }

  resampledScore(sums: readonly number[]): ResampledScore {
    // With no reference words the score is a Python float constant (100 or 0).
    return { value: this.compute(sums, true), float32: sums[1] > 0 };
  }

  /** TER of a corpus with its summed edits and reference length. */
  corpusScore(
    hyps: readonly string[],
    refs: RefStreams,
  ): { score: number; num_edits: number; ref_length: number; nrefs: NRefs } {
    const { rows, nrefs } = this.corpusStats(hyps, refs);
    const sums = sumStats(rows, 2);
    return { score: this.scoreFromStats(sums), num_edits: sums[0], ref_length: sums[1], nrefs };
  }

  signature(nrefs: NRefs, resampling?: SigResampling, short = false): string {
    return formatSignature(
      nrefs,
      {
        entries: [
          ["case", this.opts.caseSensitive ? "mixed" : "lc"],
          ["tok", "tercom"],
          ["norm", this.opts.normalized],
          ["punct", !this.opts.noPunct],
          ["asian", this.opts.asianSupport],
        ],
        abbr: { case: "c", tok: "t", norm: "nr", punct: "pn", asian: "as" },
      },
      resampling,
      short,
    );
  }
}

/** sacreBLEU's `str(TERScore)`: `TER = 12.34`. */
export function formatTer(score: number, width = 2): string {
  return `TER = ${pyFixed(score, width)}`;
}
