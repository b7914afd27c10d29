/**
 * CTC loss and its gradient with respect to the logits (reference kernel).
 * Per sequence, in float64 log space: log-softmax of each frame, forward
 * (α) and backward (β) recursions over the blank-extended label sequence
 * l' = (blank, y1, blank, y2, …, blank), then
 *   loss = −log Σ_paths p = −logaddexp(α[T−1][S'−1], α[T−1][S'−2]),
 *   ∂loss/∂x[t,k] = softmax(x[t])[k] − Σ_{s: l'_s = k} exp(α[t][s] + β[t][s] + loss).
 * Every sum runs in a fixed order (classes ascending, states ascending); a
 * sequence with no valid alignment gets loss +∞ and a zero gradient.
 */
import type { CtcSpec } from "../kernels.js";

const NEG_INF = Number.NEGATIVE_INFINITY;

/** log(eᵃ + eᵇ), exact at −∞. */
export function logAddExp(a: number, b: number): number {
  if (a === NEG_INF) return b;
  if (b === NEG_INF) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** Frame-wise log-softmax of x[t, :] for t < T, in float64. */
function logSoftmaxRows(x: Float32Array, off: number, T: number, V: number): Float64Array {
  const out = new Float64Array(T * V);
  for (let t = 0; t < T; t++) {
    const row = off + t * V;
    let mx = NEG_INF;
    for (let k = 0; k < V; k++) mx = Math.max(mx, x[row + k]);
    let s = 0;
    for (let k = 0; k < V; k++) s += Math.exp(x[row + k] - mx);
    const lse = mx + Math.log(s);
    for (let k = 0; k < V; k++) out[t * V + k] = x[row + k] - lse;
  }
  return out;
}

/** One sequence: returns the loss and writes its gradient rows (t < T) at `gOff`. */
function ctcOne(
  x: Float32Array,
  xOff: number,
  labels: Int32Array,
  lOff: number,
  T: number,
  L: number,
  V: number,
  blank: number,
  grad: Float32Array,
  gOff: number,
): number {
  const S = 2 * L + 1;
  const ext = new Int32Array(S).fill(blank);
  for (let i = 0; i < L; i++) ext[2 * i + 1] = labels[lOff + i];
  if (T === 0) return L === 0 ? 0 : Number.POSITIVE_INFINITY;
  const lp = logSoftmaxRows(x, xOff, T, V);
  // s may come from s−2 when l'_s is a label that differs from the label before it.
  const skip = (s: number) => s >= 2 && ext[s] !== blank && ext[s] !== ext[s - 2];
  const alpha = new Float64Array(T * S).fill(NEG_INF);
  alpha[0] = lp[blank];
  if (S > 1) alpha[1] = lp[ext[1]];
  for (let t = 1; t < T; t++) {
    for (let s = 0; s < S; s++) {
      const p = (t - 1) * S;
      let a = alpha[p + s];
      if (s >= 1) a = logAddExp(a, alpha[p + s - 1]);
      if (skip(s)) a = logAddExp(a, alpha[p + s - 2]);
      alpha[t * S + s] = a === NEG_INF ? NEG_INF : a + lp[t * V + ext[s]];
    }
  }
  const last = (T - 1) * S;
  const logP = S > 1 ? logAddExp(alpha[last + S - 1], alpha[last + S - 2]) : alpha[last];
  if (logP === NEG_INF) return Number.POSITIVE_INFINITY;
  // β[t][s]: log-probability of emitting frames t+1 … T−1 from state s at frame t.
  const beta = new Float64Array(T * S).fill(NEG_INF);
  beta[last + S - 1] = 0;
  if (S > 1) beta[last + S - 2] = 0;
  for (let t = T - 2; t >= 0; t--) {
    const n = (t + 1) * S;
    for (let s = 0; s < S; s++) {
      let b = beta[n + s] + lp[(t + 1) * V + ext[s]];
      if (s + 1 < S) b = logAddExp(b, beta[n + s + 1] + lp[(t + 1) * V + ext[s + 1]]);
      if (s + 2 < S && skip(s + 2)) b = logAddExp(b, beta[n + s + 2] + lp[(t + 1) * V + ext[s + 2]]);
      beta[t * S + s] = b;
    }
  }
  const occupancy = new Float64Array(V);
  for (let t = 0; t < T; t++) {
    occupancy.fill(0);
    for (let s = 0; s < S; s++) {
      const v = alpha[t * S + s] + beta[t * S + s];
      if (v !== NEG_INF) occupancy[ext[s]] += Math.exp(v - logP);
    }
    for (let k = 0; k < V; k++) grad[gOff + t * V + k] = Math.exp(lp[t * V + k]) - occupancy[k];
  }
  return -logP;
}

export function ctcLoss(
  logits: Float32Array,
  labels: Int32Array,
  inputLengths: Int32Array,
  labelLengths: Int32Array,
  spec: CtcSpec,
  loss: Float32Array,
  grad: Float32Array,
): void {
  const { batch, time, classes, maxLabels, blank } = spec;
  grad.fill(0);
  for (let b = 0; b < batch; b++) {
    const off = b * time * classes;
    const l = ctcOne(
      logits,
      off,
      labels,
      b * maxLabels,
      inputLengths[b],
      labelLengths[b],
      classes,
      blank,
      grad,
      off,
    );
    if (l === Number.POSITIVE_INFINITY) grad.fill(0, off, off + time * classes);
    loss[b] = l;
  }
}
