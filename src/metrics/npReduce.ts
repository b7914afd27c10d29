/**
 * numpy reductions reproduced bit for bit: `np.sum`/`np.mean` on a contiguous
 * 1-D float64 or float32 array use pairwise summation (8 accumulators, blocks of
 * 128), and float32 arrays keep float32 accumulators. Checked against numpy 2.4.
 */

const PW_BLOCKSIZE = 128;

/** A numpy 1-D array of scores: its values and whether its dtype is float32. */
export interface NpArray {
  readonly values: ArrayLike<number>;
  readonly float32: boolean;
}

function pairwise(a: ArrayLike<number>, start: number, n: number, r: (x: number) => number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = r(res + a[start + i]);
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    const acc = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => a[start + j]);
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) acc[j] = r(acc[j] + a[start + i + j]);
    }
    let res = r(r(r(acc[0] + acc[1]) + r(acc[2] + acc[3])) + r(r(acc[4] + acc[5]) + r(acc[6] + acc[7])));
    for (; i < n; i++) res = r(res + a[start + i]);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return r(pairwise(a, start, n2, r) + pairwise(a, start + n2, n - n2, r));
}

const identity = (x: number): number => x;

/** `arr.sum()`. */
export function npSum(arr: NpArray): number {
  const r = arr.float32 ? Math.fround : identity;
  return r(0 + pairwise(arr.values, 0, arr.values.length, r));
}

/** `arr.mean()`: the sum divided by the count, rounded back to the array's dtype. */
export function npMean(arr: NpArray): number {
  const r = arr.float32 ? Math.fround : identity;
  return r(npSum(arr) / arr.values.length);
}

/** `np.sort(arr)` (ascending). */
export function npSort(arr: NpArray): NpArray {
  const values = Array.from(arr.values).sort((x, y) => x - y);
  return { values, float32: arr.float32 };
}

/** `np.array(values)` for a list of numpy scalars: float32 only when every score is float32. */
export function npArray(values: number[], float32Flags: readonly boolean[]): NpArray {
  return { values, float32: float32Flags.every((f) => f) };
}

/** Element-wise `|a - b|` with numpy's type promotion (float32 only if both are). */
export function npAbsDiff(a: NpArray, b: NpArray): NpArray {
  const float32 = a.float32 && b.float32;
  const r = float32 ? Math.fround : identity;
  const out = new Array<number>(a.values.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.abs(r(a.values[i] - b.values[i]));
  return { values: out, float32 };
}

/** Element-wise `arr - scalar` where the scalar has the array's dtype. */
export function npSubScalar(arr: NpArray, s: number): NpArray {
  const r = arr.float32 ? Math.fround : identity;
  return { values: Array.from(arr.values, (v) => r(v - s)), float32: arr.float32 };
}

/**
 * `np.sum(arr > x)` for a Python float `x`: under numpy 2 the Python float is
 * cast to the array's dtype before comparing.
 */
export function npCountGreater(arr: NpArray, x: number): number {
  const t = arr.float32 ? Math.fround(x) : x;
  let c = 0;
  for (let i = 0; i < arr.values.length; i++) if (arr.values[i] > t) c++;
  return c;
}

/** sacreBLEU's `estimate_ci`: the mean of the resampled scores and half the central 95% range. */
export function estimateCi(scores: NpArray): { mean: number; ci: number } {
  const sorted = npSort(scores);
  const n = sorted.values.length;
  const r = scores.float32 ? Math.fround : identity;
  const lowerIdx = Math.floor(n / 40);
  const upperIdx = n - lowerIdx - 1;
  const ci = r(0.5 * r(sorted.values[upperIdx] - sorted.values[lowerIdx]));
  return { mean: npMean(sorted), ci };
}
