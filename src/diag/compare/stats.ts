/**
 * Summary statistics and Welch's unequal-variance t-test for comparing groups
 * of runs (seeds). Sums run in index order, so results are reproducible.
 */

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); NaN for n < 2. */
  std: number;
  min: number;
  max: number;
}

export function summarize(xs: readonly number[]): Summary {
  const n = xs.length;
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / n;
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2;
  return {
    n,
    mean,
    std: n > 1 ? Math.sqrt(ss / (n - 1)) : Number.NaN,
    min: Math.min(...xs),
    max: Math.max(...xs),
  };
}

export interface WelchResult {
  /** mean(b) − mean(a). */
  difference: number;
  t: number;
  df: number;
  /** Two-sided p-value. */
  pValue: number;
  /** 95% confidence interval of the difference. */
  ci: [number, number];
}

/** Welch's t-test of b against a; null when a group has fewer than 2 values. */
export function welch(a: Summary, b: Summary): WelchResult | null {
  if (a.n < 2 || b.n < 2) return null;
  const va = a.std ** 2 / a.n;
  const vb = b.std ** 2 / b.n;
  const difference = b.mean - a.mean;
  const se = Math.sqrt(va + vb);
  if (se === 0) {
    // Both groups constant: equal means are certain, different ones infinitely significant.
    const p = difference === 0 ? 1 : 0;
    return {
      difference,
      t: difference === 0 ? 0 : Math.sign(difference) * Infinity,
      df: a.n + b.n - 2,
      pValue: p,
      ci: [difference, difference],
    };
  }
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const t = difference / se;
  const q = studentTQuantile(0.975, df);
  return {
    difference,
    t,
    df,
    pValue: studentTTwoSided(t, df),
    ci: [difference - q * se, difference + q * se],
  };
}

/** P(|T| ≥ |t|) for Student's t with `df` degrees of freedom. */
export function studentTTwoSided(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

/** The p-quantile (0.5 < p < 1) of Student's t, by bisection on the CDF. */
export function studentTQuantile(p: number, df: number): number {
  const tail = 2 * (1 - p);
  let lo = 0;
  let hi = 1;
  while (studentTTwoSided(hi, df) > tail) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTTwoSided(mid, df) > tail) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** I_x(a, b), the regularized incomplete beta function (continued fraction, Numerical Recipes §6.4). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaFraction(x, a, b)) / a
    : 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    for (const aa of [
      (m * (b - m) * x) / ((a + m2 - 1) * (a + m2)),
      (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1)),
    ]) {
      d = 1 + aa * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + aa / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ~1e-15). */
export function lnGamma(x: number): number {
  const g = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let s = g[0];
  for (let i = 1; i < 9; i++) s += g[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}
