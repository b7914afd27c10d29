/**
 * Reference LSTM over a padded batch (RETURNN's NativeLstm2 cell, gate blocks
 * [j, i, f, o] along 4n). `xp` is the projected input x·W + b, batch-major
 * [B, T, 4n]. Step t of sequence b is valid when t < lengths[b]; a padded step
 * leaves the state unchanged and outputs 0. Padding is *selected* away, never
 * multiplied by a 0/1 mask, so NaN or Inf in padded frames cannot leak (RETURNN
 * multiplies; for finite values both agree).
 *
 * Per step the recurrent product h·W_re is one `matmul` call (k ascending); the
 * cell arithmetic is float64, rounded once per stored value.
 */
import type { LstmSpec } from "../kernels.js";
import { matmul } from "./matmul.js";

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** The time index of the s-th processed step. */
const stepTime = (s: number, spec: LstmSpec): number => (spec.backward ? spec.t - 1 - s : s);

export function lstmForward(
  xp: Float32Array,
  wRe: Float32Array,
  c0: Float32Array,
  h0: Float32Array,
  lengths: Int32Array,
  y: Float32Array,
  cells: Float32Array,
  gates: Float32Array,
  hPrev: Float32Array,
  cLast: Float32Array,
  hLast: Float32Array,
  spec: LstmSpec,
): void {
  const { b: B, t: T, n } = spec;
  const n4 = 4 * n;
  const c = Float32Array.from(c0);
  const h = Float32Array.from(h0);
  const z = new Float32Array(B * n4);
  for (let s = 0; s < T; s++) {
    const t = stepTime(s, spec);
    matmul(h, wRe, z, {
      batch: 1,
      m: B,
      n: n4,
      k: n,
      transA: false,
      transB: false,
      aBatchStride: 0,
      bBatchStride: 0,
    });
    for (let b = 0; b < B; b++) {
      const row = (b * T + t) * n;
      hPrev.set(h.subarray(b * n, (b + 1) * n), row);
      if (t >= lengths[b]) {
        cells.set(c.subarray(b * n, (b + 1) * n), row);
        y.fill(0, row, row + n);
        gates.fill(0, row * 4, row * 4 + n4);
        continue;
      }
      const g = row * 4;
      for (let k = 0; k < n; k++) {
        const j = Math.fround(Math.tanh(xp[g + k] + z[b * n4 + k]));
        const i = Math.fround(sigmoid(xp[g + n + k] + z[b * n4 + n + k]));
        const f = Math.fround(sigmoid(xp[g + 2 * n + k] + z[b * n4 + 2 * n + k]));
        const o = Math.fround(sigmoid(xp[g + 3 * n + k] + z[b * n4 + 3 * n + k]));
        gates[g + k] = j;
        gates[g + n + k] = i;
        gates[g + 2 * n + k] = f;
        gates[g + 3 * n + k] = o;
        const cNew = Math.fround(f * c[b * n + k] + i * j);
        const yNew = Math.fround(o * Math.tanh(cNew));
        c[b * n + k] = cNew;
        h[b * n + k] = yNew;
        cells[row + k] = cNew;
        y[row + k] = yNew;
      }
    }
  }
  cLast.set(c);
  hLast.set(h);
}

/**
 * Gradients of `lstmForward`: dxp [B,T,4n] (0 on padded steps), dwRe [n,4n]
 * (one product Hprevᵀ·dxp summed over (b, t) ascending), dc0 and dh0 [B,n].
 * dcLast/dhLast are the gradients of the final state (null: none).
 */
export function lstmBackward(
  wRe: Float32Array,
  c0: Float32Array,
  lengths: Int32Array,
  cells: Float32Array,
  gates: Float32Array,
  hPrev: Float32Array,
  dy: Float32Array,
  dcLast: Float32Array | null,
  dhLast: Float32Array | null,
  dxp: Float32Array,
  dwRe: Float32Array,
  dc0: Float32Array,
  dh0: Float32Array,
  spec: LstmSpec,
): void {
  const { b: B, t: T, n } = spec;
  const n4 = 4 * n;
  const dc = dcLast ? Float32Array.from(dcLast) : new Float32Array(B * n);
  const dh = dhLast ? Float32Array.from(dhLast) : new Float32Array(B * n);
  const dz = new Float32Array(B * n4);
  const dhNew = new Float32Array(B * n);
  for (let s = T - 1; s >= 0; s--) {
    const t = stepTime(s, spec);
    const prevT = s > 0 ? stepTime(s - 1, spec) : -1;
    for (let b = 0; b < B; b++) {
      const row = (b * T + t) * n;
      if (t >= lengths[b]) {
        dz.fill(0, b * n4, (b + 1) * n4);
        continue;
      }
      const g = row * 4;
      const cPrevBase = prevT >= 0 ? (b * T + prevT) * n : -1;
      for (let k = 0; k < n; k++) {
        const j = gates[g + k];
        const i = gates[g + n + k];
        const f = gates[g + 2 * n + k];
        const o = gates[g + 3 * n + k];
        const cPrev = cPrevBase >= 0 ? cells[cPrevBase + k] : c0[b * n + k];
        const tc = Math.tanh(cells[row + k]);
        const dyt = dy[row + k] + dh[b * n + k];
        const dc2 = dc[b * n + k] + dyt * o * (1 - tc * tc);
        dz[b * n4 + k] = Math.fround(dc2 * i * (1 - j * j));
        dz[b * n4 + n + k] = Math.fround(dc2 * j * i * (1 - i));
        dz[b * n4 + 2 * n + k] = Math.fround(dc2 * cPrev * f * (1 - f));
        dz[b * n4 + 3 * n + k] = Math.fround(dyt * tc * o * (1 - o));
        dc[b * n + k] = Math.fround(dc2 * f);
      }
    }
    matmul(dz, wRe, dhNew, {
      batch: 1,
      m: B,
      n,
      k: n4,
      transA: false,
      transB: true,
      aBatchStride: 0,
      bBatchStride: 0,
    });
    for (let b = 0; b < B; b++) {
      const row = (b * T + t) * n;
      dxp.set(dz.subarray(b * n4, (b + 1) * n4), row * 4);
      if (t < lengths[b]) dh.set(dhNew.subarray(b * n, (b + 1) * n), b * n);
    }
  }
  matmul(hPrev, dxp, dwRe, {
    batch: 1,
    m: n,
    n: n4,
    k: B * T,
    transA: true,
    transB: false,
    aBatchStride: 0,
    bBatchStride: 0,
  });
  dc0.set(dc);
  dh0.set(dh);
}
