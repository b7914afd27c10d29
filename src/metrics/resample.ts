/**
 * The per-resample score computations of sacreBLEU's significance tests:
 * bootstrap resamples of float32 statistics and approximate-randomisation
 * trials of the Python-number statistics, as numpy arrays of scores.
 */
import type { Metric } from "./metric.js";
import { type NpArray, npArray } from "./npReduce.js";
import { sumStats } from "./refs.js";

/** Row-major copy of the statistics. */
function flatten(rows: readonly number[][], w: number): Float64Array {
  const flat = new Float64Array(rows.length * w);
  rows.forEach((r, k) => {
    flat.set(r, k * w);
  });
  return flat;
}

/** Statistics as numpy float32 (`np.array(stats, dtype='float32')`), row-major. */
export interface Stats32 {
  readonly flat: Float32Array;
  readonly width: number;
  /** Non-negative integers whose column totals stay below 2^24: float32 sums are then exact. */
  readonly exactSums: boolean;
}

/** `np.array(stats, dtype='float32')`. */
export function toFloat32(rows: readonly number[][], width: number): Stats32 {
  const flat = new Float32Array(rows.length * width);
  rows.forEach((r, k) => {
    flat.set(r, k * width);
  });
  const colMax = new Array<number>(width).fill(0);
  let integral = true;
  flat.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0) integral = false;
    colMax[i % width] = Math.max(colMax[i % width], v);
  });
  const exactSums = integral && colMax.every((m) => m * rows.length < 2 ** 24);
  return { flat, width, exactSums };
}

/** `stats_f32[idx].sum(0)` into `out`: float32 sums, accumulated in row order. */
function resampleSums(stats: Stats32, idx: Uint32Array, out: number[]): number[] {
  const { flat, width } = stats;
  out.fill(0);
  for (let k = 0; k < idx.length; k++) {
    const o = idx[k] * width;
    if (stats.exactSums) for (let j = 0; j < width; j++) out[j] += flat[o + j];
    else for (let j = 0; j < width; j++) out[j] = Math.fround(out[j] + flat[o + j]);
  }
  return out;
}

/** Scores of every bootstrap resample (one row of `idxs` each), as the numpy array sacreBLEU builds. */
export function bootstrapScores(metric: Metric, stats: Stats32, idxs: readonly Uint32Array[]): NpArray {
  const values: number[] = [];
  const flags: boolean[] = [];
  const sums = new Array<number>(stats.width);
  for (const idx of idxs) {
    const s = metric.resampledScore(resampleSums(stats, idx, sums));
    values.push(s.value);
    flags.push(s.float32);
  }
  return npArray(values, flags);
}

/**
 * `|score(A_i) - score(B_i)|` per trial, where pseudo-system A takes the
 * baseline's statistics where the mask is set and the system's elsewhere, and
 * B the rest. sacreBLEU sums the Python-number statistics (a matrix product),
 * so this part is plain float64. Integer statistics are summed exactly in any
 * order, which allows summing only the differences; others (TER's mean
 * reference lengths) are summed per part in segment order.
 */
export function randomizationDiffs(
  metric: Metric,
  blRows: readonly number[][],
  sysRows: readonly number[][],
  mask: readonly Uint8Array[],
): NpArray {
  const w = metric.statWidth;
  const nSeg = blRows.length;
  const bl = flatten(blRows, w);
  const sy = flatten(sysRows, w);
  const values = new Array<number>(mask.length);
  const a = new Array<number>(w);
  const b = new Array<number>(w);
  if (bl.every(Number.isInteger) && sy.every(Number.isInteger)) {
    const totBl = sumStats(blRows, w);
    const totSys = sumStats(sysRows, w);
    const diff = new Float64Array(nSeg * w);
    for (let i = 0; i < diff.length; i++) diff[i] = bl[i] - sy[i];
    const acc = new Float64Array(w);
    mask.forEach((sel, t) => {
      acc.fill(0);
      for (let k = 0; k < nSeg; k++) {
        if (!sel[k]) continue;
        const o = k * w;
        for (let j = 0; j < w; j++) acc[j] += diff[o + j];
      }
      for (let j = 0; j < w; j++) {
        a[j] = totSys[j] + acc[j];
        b[j] = totBl[j] - acc[j];
      }
      values[t] = Math.abs(metric.scoreFromStats(a) - metric.scoreFromStats(b));
    });
  } else {
    const aBl = new Float64Array(w);
    const aSys = new Float64Array(w);
    const bBl = new Float64Array(w);
    const bSys = new Float64Array(w);
    mask.forEach((sel, t) => {
      for (const p of [aBl, aSys, bBl, bSys]) p.fill(0);
      for (let k = 0; k < nSeg; k++) {
        const o = k * w;
        const toBl = sel[k] ? aBl : bBl;
        const toSys = sel[k] ? bSys : aSys;
        for (let j = 0; j < w; j++) {
          toBl[j] += bl[o + j];
          toSys[j] += sy[o + j];
        }
      }
      for (let j = 0; j < w; j++) {
        a[j] = aBl[j] + aSys[j];
        b[j] = bBl[j] + bSys[j];
      }
      values[t] = Math.abs(metric.scoreFromStats(a) - metric.scoreFromStats(b));
    });
  }
  return { values, float32: false };
}
