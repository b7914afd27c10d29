/** Greedy CTC decoding: per-frame argmax within each length, repeats merged, blanks dropped. */
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
