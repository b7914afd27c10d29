/**
 * Reference fused cross-attention: per (batch entry, head) slice, the kernels
 * the composed layers call (`matmul`, `softmax`, `softmaxBackward`) on the
 * same numbers, with their element-wise steps (the `where` zeroing of padded
 * frames, × factor, the −1e30 mask, × dropout multiplier) written out — so
 * fused and composed results are bitwise equal on the JS kernels.
 */
import type { CrossAttentionSpec } from "../kernels.js";
import { matmul } from "./matmul.js";
import { softmax, softmaxBackward } from "./nn.js";

const MASK = Math.fround(-1e30);

/** Row i of one head: src[off + i·stride …] → dst[i·d …]; rows ≥ len zeroed. */
function gatherRows(
  src: Float32Array,
  off: number,
  stride: number,
  dst: Float32Array,
  d: number,
  len: number,
) {
  const rows = dst.length / d;
  for (let i = 0; i < rows; i++)
    for (let x = 0; x < d; x++) dst[i * d + x] = i < len ? src[off + i * stride + x] : 0;
}

/** The inverse of gatherRows; rows ≥ len get 0. */
function scatterRows(
  src: Float32Array,
  dst: Float32Array,
  off: number,
  stride: number,
  d: number,
  len: number,
) {
  const rows = src.length / d;
  for (let i = 0; i < rows; i++)
    for (let x = 0; x < d; x++) dst[off + i * stride + x] = i < len ? src[i * d + x] : 0;
}

/** c [m,n] = op(a)·op(b), one unbatched product through the reference GEMM. */
function mm(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  n: number,
  k: number,
  tA: boolean,
  tB: boolean,
) {
  matmul(a, b, c, { batch: 1, m, n, k, transA: tA, transB: tB, aBatchStride: 0, bBatchStride: 0 });
}

/** Offsets of slice t = (batch entry n, head hh) in each layout, its lengths, and its gathered q, k, v. */
function sliceOf(t: number, q: Float32Array, k: Float32Array, v: Float32Array, s: CrossAttentionSpec) {
  const { heads: h, tq, tk, dk, dv } = s;
  const n = Math.floor(t / h);
  const hh = t % h;
  const at = {
    ql: s.qLengths[n],
    kl: s.kLengths[n],
    q: (n * tq * h + hh) * dk,
    k: (n * tk * h + hh) * dk,
    v: (n * tk * h + hh) * dv,
    out: (n * tq * h + hh) * dv,
    drop: (n * tq * h + hh) * tk,
    probs: t * tq * tk,
    qz: new Float32Array(tq * dk),
    kz: new Float32Array(tk * dk),
    vz: new Float32Array(tk * dv),
  };
  gatherRows(q, at.q, h * dk, at.qz, dk, at.ql);
  gatherRows(k, at.k, h * dk, at.kz, dk, at.kl);
  gatherRows(v, at.v, h * dv, at.vz, dv, at.kl);
  return at;
}

/** generic_attention's weights: dropout applied, padded frames of both axes zeroed. */
function weightsOf(
  probs: Float32Array,
  drop: Float32Array | null,
  at: ReturnType<typeof sliceOf>,
  s: CrossAttentionSpec,
): Float32Array {
  const { tq, tk, heads: h } = s;
  const w = new Float32Array(tq * tk);
  for (let i = 0; i < tq; i++)
    for (let j = 0; j < tk; j++) {
      const p = probs[at.probs + i * tk + j];
      if (i < at.ql && j < at.kl) w[i * tk + j] = drop ? p * drop[at.drop + i * h * tk + j] : p;
    }
  return w;
}

export function crossAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  drop: Float32Array | null,
  out: Float32Array,
  probs: Float32Array,
  s: CrossAttentionSpec,
): void {
  const { tq, tk, dk, dv, heads: h } = s;
  const factor = Math.fround(s.factor);
  const x = new Float32Array(tq * tk);
  const o = new Float32Array(tq * dv);
  for (let t = 0; t < s.batch * h; t++) {
    const at = sliceOf(t, q, k, v, s);
    mm(at.qz, at.kz, x, tq, tk, dk, false, true); // energies
    for (let i = 0; i < tq; i++)
      for (let j = 0; j < tk; j++) x[i * tk + j] = j < at.kl ? x[i * tk + j] * factor : MASK;
    softmax(x, probs.subarray(at.probs, at.probs + tq * tk), tq, tk, false);
    mm(weightsOf(probs, drop, at, s), at.vz, o, tq, dv, tk, false, false);
    scatterRows(o, out, at.out, h * dv, dv, tq);
  }
}

export function crossAttentionBackward(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  drop: Float32Array | null,
  probs: Float32Array,
  gout: Float32Array,
  gq: Float32Array,
  gk: Float32Array,
  gv: Float32Array,
  s: CrossAttentionSpec,
): void {
  const { tq, tk, dk, dv, heads: h } = s;
  const factor = Math.fround(s.factor);
  const g = new Float32Array(tq * dv);
  const gw = new Float32Array(tq * tk);
  const gx = new Float32Array(tq * tk);
  for (let t = 0; t < s.batch * h; t++) {
    const at = sliceOf(t, q, k, v, s);
    gatherRows(gout, at.out, h * dv, g, dv, tq);
    // generic_attention: gradients of its weights and of the (zeroed) values.
    mm(g, at.vz, gw, tq, tk, dv, false, true);
    const gvz = new Float32Array(tk * dv);
    mm(weightsOf(probs, drop, at, s), g, gvz, tk, dv, tq, true, false);
    scatterRows(gvz, gv, at.v, h * dv, dv, at.kl);
    // Padding's where, then dropout.
    for (let i = 0; i < tq; i++)
      for (let j = 0; j < tk; j++) {
        const gij = i < at.ql && j < at.kl ? gw[i * tk + j] : 0;
        gw[i * tk + j] = drop ? gij * drop[at.drop + i * h * tk + j] : gij;
      }
    softmaxBackward(probs.subarray(at.probs, at.probs + tq * tk), gw, gx, tq, tk, false);
    // The softmax mask's where, then energy_factor.
    for (let i = 0; i < tq; i++)
      for (let j = 0; j < tk; j++) gx[i * tk + j] = (j < at.kl ? gx[i * tk + j] : 0) * factor;
    // dot: gradients of the (zeroed) queries and keys.
    const gqz = new Float32Array(tq * dk);
    mm(gx, at.kz, gqz, tq, dk, tk, false, false);
    scatterRows(gqz, gq, at.q, h * dk, dk, at.ql);
    const gkz = new Float32Array(tk * dk);
    mm(gx, at.qz, gkz, tk, dk, tq, true, false);
    scatterRows(gkz, gk, at.k, h * dk, dk, at.kl);
  }
}
