/**
 * CTC decoding: greedy (per-frame argmax within each length, repeats merged,
 * blanks dropped) and prefix beam search.
 */
import { kernels } from "../kernels/active.js";

/**
 * Label sequences from scores [B, T, V] (logits or probabilities: only the
 * argmax matters; the first maximum wins a tie), as RETURNN's ctc_greedy_decode.
 */
export function ctcGreedyDecode(
  scores: Float32Array,
  shape: readonly [number, number, number],
  lengths: Int32Array,
  blank: number,
): number[][] {
  const [B, T, V] = shape;
  const best = new Int32Array(B * T);
  kernels().max(scores, new Float32Array(B * T), best, B * T, V, 1);
  return Array.from({ length: B }, (_, b) => {
    const out: number[] = [];
    let prev = -1;
    for (let t = 0; t < lengths[b]; t++) {
      const k = best[b * T + t];
      if (k !== prev && k !== blank) out.push(k);
      prev = k;
    }
    return out;
  });
}

interface Prefix {
  readonly labels: number[];
  /** log P(prefix, the frames so far end in blank) and (end in its last label). */
  blank: number;
  label: number;
}

const logAdd = (a: number, b: number) => {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
};
const total = (p: Prefix) => logAdd(p.blank, p.label);

/** Highest total first; equal totals in label order, so the result never depends on map order. */
function byScore(a: Prefix, b: Prefix): number {
  const d = total(b) - total(a);
  if (d !== 0) return d;
  for (let i = 0; i < Math.min(a.labels.length, b.labels.length); i++)
    if (a.labels[i] !== b.labels[i]) return a.labels[i] - b.labels[i];
  return a.labels.length - b.labels.length;
}

/**
 * CTC prefix beam search (Graves 2012; Hannun et al. 2014, without a language
 * model): keeps the `beamSize` label sequences with the highest probability
 * summed over all their alignments so far, where greedy decoding follows the
 * single best alignment. `logProbs` [B, T, V] are per-frame log-probabilities.
 * Every label of every frame is tried (exact within the beam); sums run in
 * float64 in a fixed order (beams by score, labels ascending).
 */
export function ctcPrefixBeamSearch(
  logProbs: Float32Array | Float64Array,
  shape: readonly [number, number, number],
  lengths: Int32Array,
  blank: number,
  beamSize: number,
): { labels: number[]; logProb: number }[] {
  const [B, T, V] = shape;
  return Array.from({ length: B }, (_, b) => {
    let beams: Prefix[] = [{ labels: [], blank: 0, label: Number.NEGATIVE_INFINITY }];
    for (let t = 0; t < lengths[b]; t++) {
      const frame = logProbs.subarray((b * T + t) * V, (b * T + t + 1) * V);
      const next = new Map<string, Prefix>();
      const at = (labels: number[]) => {
        const key = labels.join(",");
        let p = next.get(key);
        if (p === undefined) {
          p = { labels, blank: Number.NEGATIVE_INFINITY, label: Number.NEGATIVE_INFINITY };
          next.set(key, p);
        }
        return p;
      };
      for (const beam of beams) {
        const last = beam.labels.length > 0 ? beam.labels[beam.labels.length - 1] : -1;
        for (let c = 0; c < V; c++) {
          const p = frame[c];
          if (c === blank) {
            const same = at(beam.labels);
            same.blank = logAdd(same.blank, total(beam) + p);
          } else if (c === last) {
            // A repeat extends the prefix only across a blank; without one it is the same label.
            const same = at(beam.labels);
            same.label = logAdd(same.label, beam.label + p);
            const longer = at([...beam.labels, c]);
            longer.label = logAdd(longer.label, beam.blank + p);
          } else {
            const longer = at([...beam.labels, c]);
            longer.label = logAdd(longer.label, total(beam) + p);
          }
        }
      }
      beams = [...next.values()].sort(byScore).slice(0, beamSize);
    }
    return { labels: beams[0].labels, logProb: total(beams[0]) };
  });
}
