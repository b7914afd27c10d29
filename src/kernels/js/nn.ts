import type { AdamStep } from "../kernels.js";
import { max } from "./reduce.js";

/** Numerically stable (log-)softmax per row; -inf inputs give exact zeros (log: -inf), never NaN. */
export function softmax(x: Float32Array, out: Float32Array, rows: number, cols: number, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let mx = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < cols; c++) if (x[base + c] > mx) mx = x[base + c];
    if (mx === Number.NEGATIVE_INFINITY) mx = 0; // an all -inf row: every exp below is 0
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp(x[base + c] - mx);
    if (s === 0) {
      // Only an all -inf row has no mass: probabilities 0 (log: -inf), never 0/0 = NaN.
      for (let c = 0; c < cols; c++) out[base + c] = log ? Number.NEGATIVE_INFINITY : 0;
      continue;
    }
    if (log) {
      const lse = mx + Math.log(s);
      for (let c = 0; c < cols; c++) out[base + c] = x[base + c] - lse;
    } else {
      for (let c = 0; c < cols; c++) out[base + c] = Math.exp(x[base + c] - mx) / s;
    }
  }
}

export function softmaxBackward(
  y: Float32Array,
  gy: Float32Array,
  gx: Float32Array,
  rows: number,
  cols: number,
  log: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let dot = 0;
    if (log) {
      // d/dx log_softmax: gx = gy - softmax · Σ gy
      for (let c = 0; c < cols; c++) dot += gy[base + c];
      for (let c = 0; c < cols; c++) gx[base + c] = gy[base + c] - Math.exp(y[base + c]) * dot;
    } else {
      // gx = y · (gy - Σ gy·y); where y = 0 the product is skipped so ±inf in gy cannot make NaN.
      for (let c = 0; c < cols; c++) if (y[base + c] !== 0) dot += gy[base + c] * y[base + c];
      for (let c = 0; c < cols; c++)
        gx[base + c] = y[base + c] === 0 ? 0 : y[base + c] * (gy[base + c] - dot);
    }
  }
}

export function layerNorm(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  y: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  rows: number,
  cols: number,
  eps: number,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let s = 0;
    for (let c = 0; c < cols; c++) s += x[base + c];
    const mu = s / cols;
    let v = 0;
    for (let c = 0; c < cols; c++) {
      const d = x[base + c] - mu;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / cols + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let c = 0; c < cols; c++) y[base + c] = (x[base + c] - mu) * rs * gamma[c] + beta[c];
  }
}

export function layerNormBackward(
  x: Float32Array,
  gamma: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  gy: Float32Array,
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
  rows: number,
  cols: number,
): void {
  const dg = new Float64Array(cols);
  const db = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const mu = mean[r];
    const rs = rstd[r];
    // xhat = (x - mu)·rs; dxhat = gy·gamma; dx = rs·(dxhat - mean(dxhat) - xhat·mean(dxhat·xhat))
    let sumD = 0;
    let sumDX = 0;
    for (let c = 0; c < cols; c++) {
      const xh = (x[base + c] - mu) * rs;
      const d = gy[base + c] * gamma[c];
      sumD += d;
      sumDX += d * xh;
      dg[c] += gy[base + c] * xh;
      db[c] += gy[base + c];
    }
    const mD = sumD / cols;
    const mDX = sumDX / cols;
    for (let c = 0; c < cols; c++) {
      const xh = (x[base + c] - mu) * rs;
      dx[base + c] = rs * (gy[base + c] * gamma[c] - mD - xh * mDX);
    }
  }
  for (let c = 0; c < cols; c++) {
    dgamma[c] += dg[c];
    dbeta[c] += db[c];
  }
}

/** Target mass on a class: 1-ls on the label, ls/(V-1) elsewhere. */
function targetMass(isLabel: boolean, classes: number, smoothing: number): number {
  if (isLabel) return 1 - smoothing;
  return classes > 1 ? smoothing / (classes - 1) : 0;
}

export function crossEntropy(
  logits: Float32Array,
  labels: Int32Array,
  loss: Float32Array,
  probs: Float32Array,
  rows: number,
  classes: number,
  smoothing: number,
  argmax: Int32Array | null = null,
): void {
  if (argmax) max(logits, new Float32Array(rows), argmax, rows, classes, 1);
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    let mx = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) if (logits[base + c] > mx) mx = logits[base + c];
    let s = 0;
    for (let c = 0; c < classes; c++) s += Math.exp(logits[base + c] - mx);
    const lse = mx + Math.log(s);
    const label = labels[r];
    let l = 0;
    for (let c = 0; c < classes; c++) {
      const logp = logits[base + c] - lse;
      probs[base + c] = Math.exp(logp);
      const t = targetMass(c === label, classes, smoothing);
      if (t !== 0) l -= t * logp;
    }
    loss[r] = l;
  }
}

export function crossEntropyBackward(
  probs: Float32Array,
  labels: Int32Array,
  gloss: Float32Array,
  dlogits: Float32Array,
  rows: number,
  classes: number,
  smoothing: number,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    const g = gloss[r];
    const label = labels[r];
    for (let c = 0; c < classes; c++) {
      dlogits[base + c] = g === 0 ? 0 : g * (probs[base + c] - targetMass(c === label, classes, smoothing));
    }
  }
}

export function gather(
  x: Float32Array,
  idx: Int32Array,
  out: Float32Array,
  outer: number,
  len: number,
  inner: number,
): void {
  const n = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      const src = (o * len + idx[i]) * inner;
      const dst = (o * n + i) * inner;
      for (let c = 0; c < inner; c++) out[dst + c] = x[src + c];
    }
  }
}

export function scatterAdd(
  gy: Float32Array,
  idx: Int32Array,
  gx: Float32Array,
  outer: number,
  len: number,
  inner: number,
): void {
  const n = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      const dst = (o * len + idx[i]) * inner;
      const src = (o * n + i) * inner;
      for (let c = 0; c < inner; c++) gx[dst + c] += gy[src + c];
    }
  }
}

/** Adam's bias-corrected step size lr·sqrt(1−β2^t)/(1−β1^t) (the native kernels get it from here too). */
export const adamStepSize = (o: AdamStep): number =>
  (o.lr * Math.sqrt(1 - o.beta2 ** o.step)) / (1 - o.beta1 ** o.step);

export function adam(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, o: AdamStep): void {
  const { lr, beta1, beta2, epsilon, weightDecay } = o;
  const lrT = adamStepSize(o);
  for (let i = 0; i < p.length; i++) {
    const gi = g[i];
    m[i] = beta1 * m[i] + (1 - beta1) * gi;
    v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
    let pi = p[i];
    if (weightDecay !== 0) pi -= lr * weightDecay * pi;
    p[i] = pi - (lrT * m[i]) / (Math.sqrt(v[i]) + epsilon);
  }
}

export function adamMany(
  ps: readonly Float32Array[],
  gs: readonly Float32Array[],
  ms: readonly Float32Array[],
  vs: readonly Float32Array[],
  o: AdamStep,
): void {
  ps.forEach((p, i) => {
    adam(p, gs[i], ms[i], vs[i], o);
  });
}
