/** The interface every corpus metric (BLEU, chrF, TER) offers to the runners and significance tests. */
import type { RefStreams } from "./refs.js";
import type { NRefs, SigResampling } from "./signature.js";

/** Per-segment sufficient statistics of one system, and the signature's nrefs. */
export interface CorpusStats {
  readonly rows: number[][];
  readonly nrefs: NRefs;
}

/**
 * A score computed from float32 statistics: `float32` tells whether numpy would
 * hold it as a float32 scalar (chrF, TER) or a Python float (BLEU, and the
 * constant early returns), which decides the dtype of the array of resampled scores.
 */
export interface ResampledScore {
  readonly value: number;
  readonly float32: boolean;
}

export interface Metric {
  /** The score's name as sacreBLEU prints it: `BLEU`, `chrF2`, `chrF2++`, `TER`. */
  readonly name: string;
  /** Number of statistics per segment. */
  readonly statWidth: number;
  /** Segment statistics of `hyps` against `refs` (`refs[k][i]`). */
  corpusStats(hyps: readonly string[], refs: RefStreams): CorpusStats;
  /** The score from summed statistics, as sacreBLEU computes it on Python numbers. */
  scoreFromStats(sums: readonly number[]): number;
  /**
   * The score from summed statistics the way sacreBLEU computes it on a
   * bootstrap resample: the statistics are numpy float32, so under numpy 2
   * (NEP 50) part of the arithmetic is float32.
   */
  resampledScore(sums: readonly number[]): ResampledScore;
  /** The sacreBLEU signature for `nrefs` references and optional resampling fields. */
  signature(nrefs: NRefs, resampling?: SigResampling, short?: boolean): string;
}
