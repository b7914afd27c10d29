/**
 * BLEU exactly as sacreBLEU 2.6 computes it: tokenisation, clipped n-gram
 * statistics against the per-n-gram maximum over references, closest reference
 * length, smoothing (`exp`, `floor`, `add-k`, `none`) and effective order.
 */
import { didYouMean, ReproError } from "../util/errors.js";
import type { CorpusStats, Metric, ResampledScore } from "./metric.js";
import { type Counter, wordNgramsUpTo } from "./ngrams.js";
import { pyFixed } from "./pyformat.js";
import { pyLower, pyRstrip, pySplit } from "./pystr.js";
import { groupRefs, type RefStreams, sumStats } from "./refs.js";
import { formatSignature, type MetricSigFields, type NRefs, type SigResampling } from "./signature.js";
import { getTokenizer, type Tokenizer } from "./tokenizers.js";

export type SmoothMethod = "exp" | "floor" | "add-k" | "none";
export const SMOOTH_METHODS: readonly SmoothMethod[] = ["exp", "floor", "add-k", "none"];

/** Default smoothing values (`null`: the method takes none). */
const SMOOTH_DEFAULTS: Readonly<Record<SmoothMethod, number | null>> = {
  none: null,
  floor: 0.1,
  "add-k": 1,
  exp: null,
};

export interface BleuOptions {
  /** `13a` (default), `intl`, `zh`, `char` or `none`. */
  readonly tokenize?: string;
  readonly smoothMethod?: SmoothMethod;
  /** For `floor` and `add-k`; `null`/absent uses the default (0.1 and 1). */
  readonly smoothValue?: number | null;
  readonly lowercase?: boolean;
  readonly effectiveOrder?: boolean;
  readonly maxNgramOrder?: number;
}

/** A BLEU result with every field sacreBLEU's `BLEUScore` carries. */
export interface BleuScore {
  readonly score: number;
  /** Matched n-grams per order (including the `add-k` increment, as sacreBLEU reports). */
  readonly counts: number[];
  readonly totals: number[];
  readonly precisions: number[];
  readonly bp: number;
  readonly sys_len: number;
  readonly ref_len: number;
  readonly ratio: number;
}

/** The value sacreBLEU's `my_log` gives log(0). */
const LOG_ZERO = -9999999999;

/** Validates a smoothing method name, with a did-you-mean hint. */
export function parseSmoothMethod(name: string): SmoothMethod {
  if ((SMOOTH_METHODS as readonly string[]).includes(name)) return name as SmoothMethod;
  throw new ReproError(
    `unknown BLEU smoothing method "${name}" (known: ${SMOOTH_METHODS.join(", ")})${didYouMean(name, SMOOTH_METHODS)}`,
  );
}

interface ComputeArgs {
  readonly correct: number[];
  readonly total: number[];
  readonly sysLen: number;
  readonly refLen: number;
  readonly method: SmoothMethod;
  readonly smoothValue: number | null;
  readonly effectiveOrder: boolean;
  readonly maxOrder: number;
  /**
   * numpy 2 float32 semantics for resampled statistics: every product and
   * quotient that involves a statistic is rounded to float32.
   */
  readonly float32: boolean;
}

/** sacreBLEU's `BLEU.compute_bleu` (mutates `correct`/`total` for add-k, as sacreBLEU does). */
function computeBleu(a: ComputeArgs): BleuScore {
  const r = a.float32 ? Math.fround : (x: number) => x;
  const { correct, total, sysLen, refLen, maxOrder } = a;
  const sv = a.smoothValue ?? SMOOTH_DEFAULTS[a.method] ?? 0;
  let bp = 1.0;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0.0;
  const precisions = new Array<number>(maxOrder).fill(0);
  const ratio = refLen ? sysLen / refLen : 0;
  const result = (score: number): BleuScore => ({
    score,
    counts: correct,
    totals: total,
    precisions,
    bp,
    sys_len: sysLen,
    ref_len: refLen,
    ratio,
  });
  if (!correct.some((c) => c !== 0)) return result(0.0);

  let smoothMteval = 1.0;
  let effOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (a.method === "add-k" && n > 1) {
      correct[n - 1] = r(correct[n - 1] + r(sv));
      total[n - 1] = r(total[n - 1] + r(sv));
    }
    if (total[n - 1] === 0) break;
    if (a.effectiveOrder) effOrder = n;
    if (correct[n - 1] === 0) {
      if (a.method === "exp") {
        smoothMteval *= 2;
        precisions[n - 1] = r(100 / r(smoothMteval * total[n - 1]));
      } else if (a.method === "floor") {
        precisions[n - 1] = r(r(100 * sv) / total[n - 1]);
      }
    } else {
      precisions[n - 1] = r(r(100 * correct[n - 1]) / total[n - 1]);
    }
  }
  let acc = 0;
  for (let i = 0; i < effOrder; i++) {
    const p = precisions[i];
    acc += p === 0 ? LOG_ZERO : Math.log(p);
  }
  return result(bp * Math.exp(acc / effOrder));
}

/** Closest reference length to `hypLen`; ties go to the shorter reference. */
export function closestRefLen(hypLen: number, refLens: readonly number[]): number {
  let bestDiff = -1;
  let best = -1;
  for (const len of refLens) {
    const diff = Math.abs(hypLen - len);
    if (bestDiff === -1 || diff < bestDiff) {
      bestDiff = diff;
      best = len;
    } else if (diff === bestDiff && len < best) {
      best = len;
    }
  }
  return best;
}

export class Bleu implements Metric {
  readonly name = "BLEU";
  readonly tokenizerName: string;
  readonly smoothMethod: SmoothMethod;
  readonly smoothValue: number | null;
  readonly lowercase: boolean;
  readonly effectiveOrder: boolean;
  readonly maxNgramOrder: number;
  private readonly tokenizer: Tokenizer;

  constructor(opts: BleuOptions = {}) {
    this.tokenizerName = opts.tokenize ?? "13a";
    this.tokenizer = getTokenizer(this.tokenizerName);
    this.smoothMethod = parseSmoothMethod(opts.smoothMethod ?? "exp");
    this.smoothValue = opts.smoothValue ?? null;
    this.lowercase = opts.lowercase ?? false;
    this.effectiveOrder = opts.effectiveOrder ?? false;
    this.maxNgramOrder = opts.maxNgramOrder ?? 4;
    if (!Number.isInteger(this.maxNgramOrder) || this.maxNgramOrder < 1) {
      throw new ReproError(`BLEU max n-gram order must be a positive integer, got ${this.maxNgramOrder}`);
    }
  }

  get statWidth(): number {
    return 2 + 2 * this.maxNgramOrder;
  }

  /** Lowercase (optionally), rstrip and tokenize one line. */
  preprocess(line: string): string {
    return this.tokenizer(pyRstrip(this.lowercase ? pyLower(line) : line));
  }

  /** `[hyp_len, ref_len, correct_1..N, total_1..N]` for one preprocessed hypothesis and its refs. */
  segmentStats(hyp: string, refs: readonly string[]): number[] {
    const N = this.maxNgramOrder;
    const refMax: Counter[] = Array.from({ length: N }, () => new Map());
    const refLens: number[] = [];
    for (const ref of refs) {
      const tokens = pySplit(ref);
      refLens.push(tokens.length);
      wordNgramsUpTo(tokens, N).forEach((counter, n) => {
        const merged = refMax[n];
        for (const [ng, c] of counter) if (c > (merged.get(ng) ?? 0)) merged.set(ng, c);
      });
    }
    const hypTokens = pySplit(hyp);
    const correct = new Array<number>(N).fill(0);
    const total = new Array<number>(N).fill(0);
    wordNgramsUpTo(hypTokens, N).forEach((counter, n) => {
      for (const [ng, c] of counter) {
        total[n] += c;
        const rc = refMax[n].get(ng);
        if (rc !== undefined) correct[n] += Math.min(c, rc);
      }
    });
    return [hypTokens.length, closestRefLen(hypTokens.length, refLens), ...correct, ...total];
  }

  corpusStats(hyps: readonly string[], refs: RefStreams): CorpusStats {
    const grouped = groupRefs(refs, hyps.length);
    const rows = hyps.map((h, i) =>
      this.segmentStats(
        this.preprocess(h),
        grouped.perSegment[i].map((r) => this.preprocess(r)),
      ),
    );
    return { rows, nrefs: grouped.nrefs };
  }

  private compute(sums: readonly number[], float32: boolean): BleuScore {
    const N = this.maxNgramOrder;
    return computeBleu({
      correct: sums.slice(2, 2 + N),
      total: sums.slice(2 + N, 2 + 2 * N),
      sysLen: Math.trunc(sums[0]),
      refLen: Math.trunc(sums[1]),
      method: this.smoothMethod,
      smoothValue: this.smoothValue,
      effectiveOrder: this.effectiveOrder,
      maxOrder: N,
      float32,
    });
  }

  /** The full BLEU result from summed statistics. */
  fromStats(sums: readonly number[]): BleuScore {
    return this.compute(sums, false);
  }

  /** The full BLEU result of a corpus. */
  corpusScore(hyps: readonly string[], refs: RefStreams): BleuScore & { nrefs: NRefs } {
    const { rows, nrefs } = this.corpusStats(hyps, refs);
    return { ...this.fromStats(sumStats(rows, this.statWidth)), nrefs };
  }

  scoreFromStats(sums: readonly number[]): number {
    return this.compute(sums, false).score;
  }

  resampledScore(sums: readonly number[]): ResampledScore {
    return { value: this.compute(sums, true).score, float32: false };
  }

  private sigFields(): MetricSigFields {
    let smooth: string = this.smoothMethod;
    const def = SMOOTH_DEFAULTS[this.smoothMethod];
    if (def !== null) smooth += `[${pyFixed(this.smoothValue ?? def, 2)}]`;
    return {
      entries: [
        ["case", this.lowercase ? "lc" : "mixed"],
        ["eff", this.effectiveOrder ? "yes" : "no"],
        ["tok", this.tokenizerName],
        ["smooth", smooth],
      ],
      abbr: { case: "c", eff: "e", tok: "tok", smooth: "s" },
    };
  }

  signature(nrefs: NRefs, resampling?: SigResampling, short = false): string {
    return formatSignature(nrefs, this.sigFields(), resampling, short);
  }
}

/** sacreBLEU's `str(BLEUScore)` with `width` decimals for the score (2 by default). */
export function formatBleu(s: BleuScore, width = 2): string {
  const prec = s.precisions.map((p) => pyFixed(p, 1)).join("/");
  return (
    `BLEU = ${pyFixed(s.score, width)} ${prec} (BP = ${pyFixed(s.bp, 3)} ratio = ${pyFixed(s.ratio, 3)} ` +
    `hyp_len = ${s.sys_len} ref_len = ${s.ref_len})`
  );
}
