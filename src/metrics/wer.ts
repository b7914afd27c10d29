/**
 * Word and character error rate as jiwer computes them: per segment a
 * minimum-edit-distance alignment (unit costs) of the hypothesis to the
 * reference, counted as substitutions S, deletions D, insertions I and hits H;
 * over the corpus (S + D + I) / (S + D + H), reported in percent (as sclite
 * and sacreBLEU's TER). WER splits on whitespace (runs of spaces collapsed,
 * ends stripped); CER takes every character of the stripped line, spaces
 * included. Among alignments of equal cost the S/D/I split prefers, walking
 * back from the end, a hit or substitution, then a deletion, then an
 * insertion (the total never depends on this choice).
 */
import { ReproError } from "../util/errors.js";
import type { CorpusStats, Metric, ResampledScore } from "./metric.js";
import type { RefStreams } from "./refs.js";
import type { NRefs, SigResampling } from "./signature.js";

export interface EditCounts {
  substitutions: number;
  deletions: number;
  insertions: number;
  hits: number;
}

/** S, D, I, H of the cheapest alignment of `hyp` to `ref`. */
export function alignCounts<T>(ref: readonly T[], hyp: readonly T[]): EditCounts {
  const n = ref.length;
  const m = hyp.length;
  const cost = new Int32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = 0; i <= n; i++) cost[at(i, 0)] = i;
  for (let j = 0; j <= m; j++) cost[at(0, j)] = j;
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const diag = cost[at(i - 1, j - 1)] + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      cost[at(i, j)] = Math.min(diag, cost[at(i - 1, j)] + 1, cost[at(i, j - 1)] + 1);
    }
  }
  const c: EditCounts = { substitutions: 0, deletions: 0, insertions: 0, hits: 0 };
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const here = cost[at(i, j)];
    if (i > 0 && j > 0 && here === cost[at(i - 1, j - 1)] + (ref[i - 1] === hyp[j - 1] ? 0 : 1)) {
      if (ref[i - 1] === hyp[j - 1]) c.hits++;
      else c.substitutions++;
      i--;
      j--;
    } else if (i > 0 && here === cost[at(i - 1, j)] + 1) {
      c.deletions++;
      i--;
    } else {
      c.insertions++;
      j--;
    }
  }
  return c;
}

export type ErrorRateUnit = "word" | "char";

/** The tokens of one line: words (whitespace-split) or characters (spaces kept, ends stripped). */
export function errorRateTokens(line: string, unit: ErrorRateUnit): string[] {
  const s = line.trim();
  if (unit === "char") return [...s];
  return s === "" ? [] : s.split(/\s+/);
}

/** WER or CER as a corpus metric: statistics per segment [S, D, I, H]. */
export class ErrorRate implements Metric {
  readonly statWidth = 4;
  readonly name: string;

  constructor(readonly unit: ErrorRateUnit) {
    this.name = unit === "word" ? "WER" : "CER";
  }

  corpusStats(hyps: readonly string[], refs: RefStreams): CorpusStats {
    if (refs.length !== 1)
      throw new ReproError(`${this.name} takes exactly one reference per segment, got ${refs.length}`);
    const stream = refs[0];
    const rows = hyps.map((hyp, i) => {
      const ref = stream[i];
      if (ref === null || ref === undefined)
        throw new ReproError(`${this.name}: segment ${i + 1} has no reference`);
      const c = alignCounts(errorRateTokens(ref, this.unit), errorRateTokens(hyp, this.unit));
      return [c.substitutions, c.deletions, c.insertions, c.hits];
    });
    return { rows, nrefs: 1 };
  }

  scoreFromStats(sums: readonly number[]): number {
    const [s, d, i, h] = sums;
    const refLength = s + d + h;
    if (refLength === 0) return s + d + i === 0 ? 0 : 100;
    return (100 * (s + d + i)) / refLength;
  }

  resampledScore(sums: readonly number[]): ResampledScore {
    return { value: this.scoreFromStats(sums), float32: false };
  }

  signature(nrefs: NRefs, resampling: SigResampling = {}, short = false): string {
    const parts: string[] = [`${short ? "nr" : "nrefs"}:${nrefs}`];
    if (resampling.bs !== undefined) parts.push(`bs:${resampling.bs}`);
    if (resampling.ar !== undefined) parts.push(`ar:${resampling.ar}`);
    if (resampling.seed !== undefined) parts.push(`seed:${resampling.seed}`);
    parts.push(`${short ? "u" : "unit"}:${this.unit}`, `${short ? "a" : "align"}:levenshtein`);
    return parts.join("|");
  }
}

/** `WER = 12.34 (S 3, D 1, I 0, N 32)`. */
export function formatErrorRate(name: string, score: number, sums: readonly number[], width: number): string {
  const [s, d, i, h] = sums;
  return `${name} = ${score.toFixed(width)} (S ${s}, D ${d}, I ${i}, N ${s + d + h})`;
}
