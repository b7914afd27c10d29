/**
 * Reference fused attention: the same arithmetic, in the same order, as the
 * composed ops on the JS kernels (scale multiply, GEMM dot products summed in
 * float64 and rounded once, mask value −1e30, softmax, dropout multiply,
 * GEMM), so fused and composed results are bitwise equal.
 */
import type { AttentionSpec } from "../kernels.js";

const MASK = Math.fround(-1e30);
const visible = (i: number, j: number, len: number, causal: boolean): boolean =>
  j < len && (!causal || j <= i);

export function attention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  drop: Float32Array | null,
  out: Float32Array,
  probs: Float32Array,
  s: AttentionSpec,
): void {
  const { tq, tk, dk, dv } = s;
  const scale = Math.fround(s.scale);
  const qs = new Float32Array(tq * dk);
  const e = new Float64Array(tk);
  for (let t = 0; t < s.n * s.heads; t++) {
    const len = s.lengths[Math.floor(Math.floor(t / s.heads) / s.rowsPerLength)];
    const qo = t * tq * dk;
    const ko = t * tk * dk;
    const vo = t * tk * dv;
    const po = t * tq * tk;
    for (let x = 0; x < tq * dk; x++) qs[x] = q[qo + x] * scale;
    for (let i = 0; i < tq; i++) {
      const pr = po + i * tk;
      for (let j = 0; j < tk; j++) {
        if (!visible(i, j, len, s.causal)) {
          probs[pr + j] = MASK;
          continue;
        }
        let acc = 0;
        for (let d = 0; d < dk; d++) acc += qs[i * dk + d] * k[ko + j * dk + d];
        probs[pr + j] = acc;
      }
      let mx = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < tk; j++) if (probs[pr + j] > mx) mx = probs[pr + j];
      if (mx === Number.NEGATIVE_INFINITY) mx = 0;
      let sum = 0;
      for (let j = 0; j < tk; j++) {
        e[j] = Math.exp(probs[pr + j] - mx);
        sum += e[j];
      }
      for (let j = 0; j < tk; j++) probs[pr + j] = sum === 0 ? 0 : e[j] / sum;
      for (let d = 0; d < dv; d++) {
        let acc = 0;
        for (let j = 0; j < tk; j++) {
          const w = drop ? Math.fround(probs[pr + j] * drop[pr + j]) : probs[pr + j];
          acc += w * v[vo + j * dv + d];
        }
        out[t * tq * dv + i * dv + d] = acc;
      }
    }
  }
}

export function attentionBackward(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  drop: Float32Array | null,
  probs: Float32Array,
  gout: Float32Array,
  gq: Float32Array,
  gk: Float32Array,
  gv: Float32Array,
  s: AttentionSpec,
): void {
  const { tq, tk, dk, dv } = s;
  const scale = Math.fround(s.scale);
  const qs = new Float32Array(tq * dk);
  const ge = new Float32Array(tq * tk);
  const w = new Float32Array(tq * tk);
  for (let t = 0; t < s.n * s.heads; t++) {
    const len = s.lengths[Math.floor(Math.floor(t / s.heads) / s.rowsPerLength)];
    const qo = t * tq * dk;
    const ko = t * tk * dk;
    const vo = t * tk * dv;
    const po = t * tq * tk;
    const go = t * tq * dv;
    for (let x = 0; x < tq * dk; x++) qs[x] = q[qo + x] * scale;
    for (let x = 0; x < tq * tk; x++) w[x] = drop ? probs[po + x] * drop[po + x] : probs[po + x];
    for (let i = 0; i < tq; i++) {
      for (let j = 0; j < tk; j++) {
        let acc = 0;
        for (let d = 0; d < dv; d++) acc += gout[go + i * dv + d] * v[vo + j * dv + d];
        ge[i * tk + j] = drop ? Math.fround(acc) * drop[po + i * tk + j] : acc;
      }
      let dot = 0;
      for (let j = 0; j < tk; j++) {
        const p = probs[po + i * tk + j];
        if (p !== 0) dot += ge[i * tk + j] * p;
      }
      for (let j = 0; j < tk; j++) {
        const p = probs[po + i * tk + j];
        ge[i * tk + j] = visible(i, j, len, s.causal) && p !== 0 ? p * (ge[i * tk + j] - dot) : 0;
      }
    }
    for (let i = 0; i < tq; i++) {
      for (let d = 0; d < dk; d++) {
        let acc = 0;
        for (let j = 0; j < tk; j++) acc += ge[i * tk + j] * k[ko + j * dk + d];
        gq[qo + i * dk + d] = Math.fround(acc) * scale;
      }
    }
    for (let j = 0; j < tk; j++) {
      for (let d = 0; d < dk; d++) {
        let acc = 0;
        for (let i = 0; i < tq; i++) acc += ge[i * tk + j] * qs[i * dk + d];
        gk[ko + j * dk + d] = acc;
      }
      for (let d = 0; d < dv; d++) {
        let acc = 0;
        for (let i = 0; i < tq; i++) acc += w[i * tk + j] * gout[go + i * dv + d];
        gv[vo + j * dv + d] = acc;
      }
    }
  }
}

/**
 * Copies q, k, v of every (n, head) slice out of packed qkv [n, t, h, 2·dk + dv]
 * into [n, h, t, ·] arrays — what slicing and transposing do — or, with
 * `into`, writes them back (+0 for −0, as summing zero-padded slices does).
 */
function unpack(qkv: Float32Array, parts: Float32Array[], s: AttentionSpec, into: boolean): void {
  const { n, heads: h, tq: t, dk, dv } = s;
  const width = 2 * dk + dv;
  const offsets = [0, dk, 2 * dk];
  const sizes = [dk, dk, dv];
  for (let r = 0; r < n; r++)
    for (let i = 0; i < t; i++)
      for (let hh = 0; hh < h; hh++)
        for (let p = 0; p < 3; p++)
          for (let x = 0; x < sizes[p]; x++) {
            const packed = ((r * t + i) * h + hh) * width + offsets[p] + x;
            const part = ((r * h + hh) * t + i) * sizes[p] + x;
            if (into) qkv[packed] = parts[p][part] + 0;
            else parts[p][part] = qkv[packed];
          }
}

/** [n, h, t, d] ↔ [n, t, h, d]. */
function swapHeadsAndTime(src: Float32Array, dst: Float32Array, n: number, a: number, b: number, d: number) {
  for (let r = 0; r < n; r++)
    for (let i = 0; i < a; i++)
      for (let j = 0; j < b; j++)
        for (let x = 0; x < d; x++) dst[((r * b + j) * a + i) * d + x] = src[((r * a + i) * b + j) * d + x];
}

const partsOf = (s: AttentionSpec): Float32Array[] =>
  [s.dk, s.dk, s.dv].map((d) => new Float32Array(s.n * s.heads * s.tq * d));

export function attentionPacked(
  qkv: Float32Array,
  drop: Float32Array | null,
  out: Float32Array,
  probs: Float32Array,
  s: AttentionSpec,
): void {
  const [q, k, v] = partsOf(s);
  unpack(qkv, [q, k, v], s, false);
  const o = new Float32Array(out.length);
  attention(q, k, v, drop, o, probs, s);
  swapHeadsAndTime(o, out, s.n, s.heads, s.tq, s.dv);
}

export function attentionPackedBackward(
  qkv: Float32Array,
  drop: Float32Array | null,
  probs: Float32Array,
  gout: Float32Array,
  gqkv: Float32Array,
  s: AttentionSpec,
): void {
  const [q, k, v] = partsOf(s);
  unpack(qkv, [q, k, v], s, false);
  const g = new Float32Array(gout.length);
  swapHeadsAndTime(gout, g, s.n, s.tq, s.heads, s.dv);
  const grads = partsOf(s);
  attentionBackward(q, k, v, drop, probs, g, grads[0], grads[1], grads[2], s);
  unpack(gqkv, grads, s, true);
}
