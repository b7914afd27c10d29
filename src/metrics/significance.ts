/**
 * sacreBLEU 2.6's paired significance tests (`PairedTest`): paired bootstrap
 * resampling (`bs`) and paired approximate randomisation (`ar`), with its
 * seeding, its numpy RNG streams and its float32 arithmetic on resamples, so
 * p-values, means and confidence intervals match sacreBLEU's.
 */
import type { CorpusStats, Metric } from "./metric.js";
import { estimateCi, type NpArray, npAbsDiff, npCountGreater, npMean, npSubScalar } from "./npReduce.js";
import { NumpyGenerator } from "./numpyRng.js";
import type { RefStreams } from "./refs.js";
import { sumStats } from "./refs.js";
import { bootstrapScores, randomizationDiffs, toFloat32 } from "./resample.js";
import { osEntropySeed, type Seed } from "./seed.js";

export type PairedTestType = "bs" | "ar";

/** sacreBLEU's defaults when `n_samples` is 0. */
export const DEFAULT_SAMPLES: Readonly<Record<PairedTestType, number>> = { bs: 1000, ar: 10000 };

export interface NamedSystem {
  readonly name: string;
  readonly hyps: readonly string[];
}

/** One row of sacreBLEU's results table; the baseline (first system) has no p-value. */
export interface PairedResult {
  readonly system: string;
  readonly score: number;
  readonly p_value: number | null;
  /** Bootstrap mean of the system's resampled scores (`bs` only). */
  readonly mean: number | null;
  /** Half the central 95% range of the resampled scores (`bs` only). */
  readonly ci: number | null;
}

export interface PairedOutput {
  /** Signatures by score name (`BLEU`, `chrF2`, `TER`), with `bs:N`/`ar:N` and `seed:S`. */
  readonly signatures: Record<string, string>;
  /** The same signatures in sacreBLEU's short form (`#:1|bs:1000|rs:12345|c:mixed|...`). */
  readonly signaturesShort: Record<string, string>;
  /** Results by score name, baseline first, then the systems in the order given. */
  readonly results: Record<string, PairedResult[]>;
}

export interface PairedOptions {
  readonly testType: PairedTestType;
  /** Resamples (`bs`) or trials (`ar`); 0 or absent selects the defaults. */
  readonly nSamples?: number;
  readonly seed: Seed;
  /**
   * Already computed statistics, `stats[system][metric]` in the order of the
   * arguments (TER's are costly); computed here when absent.
   */
  readonly stats?: ReadonlyArray<ReadonlyArray<CorpusStats>>;
}

function generator(seed: bigint | null): NumpyGenerator {
  return new NumpyGenerator(seed ?? osEntropySeed());
}

/** p-value with the +1 correction: `(#{stat > real} + 1) / (n + 1)`. */
function pValue(stats: NpArray, real: number): number {
  return (npCountGreater(stats, real) + 1) / (stats.values.length + 1);
}

/**
 * Runs sacreBLEU's `PairedTest`: the first system is the baseline. Each metric
 * is scored on every system; each non-baseline system gets a p-value against
 * the baseline, and with `bs` every system also gets the bootstrap mean and CI.
 */
export function pairedTest(
  systems: readonly NamedSystem[],
  metrics: readonly Metric[],
  refs: RefStreams,
  opts: PairedOptions,
): PairedOutput {
  if (systems.length < 2) throw new RangeError("a paired test needs a baseline and at least one system");
  const nSamples = opts.nSamples && opts.nSamples > 0 ? opts.nSamples : DEFAULT_SAMPLES[opts.testType];
  const nSeg = systems[0].hyps.length;
  // sacreBLEU passes `seed if seed else None` to the per-system tests: seed 0 runs them unseeded.
  const baselineSeed = opts.seed.value;
  const systemSeed = opts.seed.value ? opts.seed.value : null;

  // Every generator starts afresh from the same seed, so a seeded stream is drawn once.
  const idxCache = new Map<bigint, Uint32Array[]>();
  const bootstrapIdxs = (seed: bigint | null): Uint32Array[] => {
    const cached = seed === null ? undefined : idxCache.get(seed);
    if (cached) return cached;
    const idxs = generator(seed).choice(nSeg, nSamples, nSeg);
    if (seed !== null) idxCache.set(seed, idxs);
    return idxs;
  };

  const statsOf = (sys: number, m: number): CorpusStats =>
    opts.stats?.[sys]?.[m] ?? metrics[m].corpusStats(systems[sys].hyps, refs);

  const signatures: Record<string, string> = {};
  const signaturesShort: Record<string, string> = {};
  const results: Record<string, PairedResult[]> = {};
  const baselines = metrics.map((metric, m) => {
    const { rows, nrefs } = statsOf(0, m);
    const score = metric.scoreFromStats(sumStats(rows, metric.statWidth));
    const rows32 = toFloat32(rows, metric.statWidth);
    let mean: number | null = null;
    let ci: number | null = null;
    // The baseline's resampled scores, reused by the systems when they draw the same indices.
    let resampled: { seed: bigint; scores: NpArray } | null = null;
    if (opts.testType === "bs") {
      const scores = bootstrapScores(metric, rows32, bootstrapIdxs(baselineSeed));
      if (baselineSeed !== null) resampled = { seed: baselineSeed, scores };
      ({ mean, ci } = estimateCi(scores));
    }
    const resampling = { [opts.testType]: nSamples, seed: opts.seed.text };
    signatures[metric.name] = metric.signature(nrefs, resampling);
    signaturesShort[metric.name] = metric.signature(nrefs, resampling, true);
    results[metric.name] = [{ system: systems[0].name, score, p_value: null, mean, ci }];
    return { rows, rows32, score, resampled };
  });

  systems.forEach((sys, sysIdx) => {
    if (sysIdx === 0) return;
    const idxs = opts.testType === "bs" ? bootstrapIdxs(systemSeed) : null;
    const mask = opts.testType === "ar" ? generator(systemSeed).boolMask(nSamples, nSeg) : null;
    metrics.forEach((metric, m) => {
      const bl = baselines[m];
      const { rows } = statsOf(sysIdx, m);
      const score = metric.scoreFromStats(sumStats(rows, metric.statWidth));
      const diff = Math.abs(bl.score - score);
      let result: PairedResult;
      if (idxs) {
        const scoresBl =
          bl.resampled && bl.resampled.seed === systemSeed
            ? bl.resampled.scores
            : bootstrapScores(metric, bl.rows32, idxs);
        const scoresSys = bootstrapScores(metric, toFloat32(rows, metric.statWidth), idxs);
        const { mean, ci } = estimateCi(scoresSys);
        const sampleDiffs = npAbsDiff(scoresSys, scoresBl);
        const stats = npSubScalar(sampleDiffs, npMean(sampleDiffs));
        result = { system: sys.name, score, p_value: pValue(stats, diff), mean, ci };
      } else {
        const scoresDiff = randomizationDiffs(metric, bl.rows, rows, mask!);
        result = { system: sys.name, score, p_value: pValue(scoresDiff, diff), mean: null, ci: null };
      }
      results[metric.name].push(result);
    });
  });
  return { signatures, signaturesShort, results };
}
