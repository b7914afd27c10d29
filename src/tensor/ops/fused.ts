/**
 * Fused ops: one kernel call forward and one backward instead of a chain of
 * ops, each with its own gradient. Every fused op computes exactly (bit for
 * bit, on either kernel set) what its composed version computes; the composed
 * version is its test oracle (test/tensor/ops/fused.test.ts).
 */
import { kernels } from "../../kernels/active.js";
import type { AttentionSpec, CrossAttentionSpec } from "../../kernels/kernels.js";
import { record } from "../tape.js";
import { empty, type Tensor } from "../tensor.js";
import { type DropoutNoise, dropoutMultipliers } from "./nn.js";

export interface AttentionOptions {
  /** Valid keys per batch entry: key j of row n is visible when j < lengths[⌊n / rowsPerLength⌋]. */
  lengths: Int32Array;
  /** Rows of q/k/v per entry of `lengths` (e.g. decoder positions per sequence); default 1. */
  rowsPerLength?: number;
  /** Multiplies the queries before the dot products (rounded to float32, like a scalar tensor). */
  scale: number;
  /** Key j is visible to query i only when j ≤ i. */
  causal?: boolean;
  /** Dropout on the attention weights: keep where uniform ≥ rate, scaled by 1/(1 − rate), as `dropout`. */
  dropout?: { rate: number; uniform: DropoutNoise };
}

/**
 * Scaled dot-product attention with sequence masks, fused:
 * q [N, H, Tq, dk], k [N, H, Tk, dk], v [N, H, Tk, dv] → [N, H, Tq, dv].
 *
 * Same result as the composed
 * `matmul(dropout(softmax(matmul(mul(q, scale), k, {transB: true}), -1, keepMask)), v)`
 * with keepMask [N, 1, Tq, Tk] = key visible (see `AttentionOptions`); a row
 * with no visible key gets uniform weights there as well.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, o: AttentionOptions): Tensor {
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) {
    throw new Error(
      `attention: q, k, v must be rank 4 [N, H, T, d], got [${q.shape}], [${k.shape}], [${v.shape}]`,
    );
  }
  const [n, heads, tq, dk] = q.shape;
  const [n2, h2, tk, dk2] = k.shape;
  const [n3, h3, tk3, dv] = v.shape;
  if (n2 !== n || n3 !== n || h2 !== heads || h3 !== heads || dk2 !== dk || tk3 !== tk) {
    throw new Error(`attention: shapes q [${q.shape}], k [${k.shape}], v [${v.shape}] do not fit`);
  }
  const spec = attentionSpec([n, heads, tq, tk, dk, dv], o);
  const drop = dropoutKeep(o.dropout, n * heads * tq * tk);
  return qkvOp(
    [q, k, v],
    [n, heads, tq, dv],
    n * heads * tq * tk,
    (out, probs) => kernels().attention(q.f32, k.f32, v.f32, drop?.f32 ?? null, out, probs, spec),
    (probs, g, gq, gk, gv) =>
      kernels().attentionBackward(q.f32, k.f32, v.f32, drop?.f32 ?? null, probs, g, gq, gk, gv, spec),
  );
}

/**
 * Records a fused op of q, k, v: `forward` fills the output (`outShape`) and
 * the softmax weights it keeps (`probsSize` floats); `backward` writes the
 * three input gradients.
 */
function qkvOp(
  qkv: readonly [Tensor, Tensor, Tensor],
  outShape: readonly number[],
  probsSize: number,
  forward: (out: Float32Array, probs: Float32Array) => void,
  backward: (
    probs: Float32Array,
    g: Float32Array,
    gq: Float32Array,
    gk: Float32Array,
    gv: Float32Array,
  ) => void,
): Tensor {
  const out = empty(outShape);
  // What backward needs is a tensor of this scope, not a bare array: its buffer
  // comes from the pool and goes back when the scope ends (fresh memory every
  // step cost page faults), and a use after that throws instead of reading
  // recycled memory. The memory meter counts it as any tensor.
  const probs = empty([probsSize]);
  forward(out.f32, probs.f32);
  return record(out, qkv, (g, needs) => {
    const [gq, gk, gv] = qkv.map((t) => empty(t.shape));
    backward(probs.f32, g.f32, gq.f32, gk.f32, gv.f32);
    return [needs[0] ? gq : null, needs[1] ? gk : null, needs[2] ? gv : null];
  });
}

/** The kernel spec of `attention` for sizes [n, heads, tq, tk, dk, dv]; checks the lengths. */
function attentionSpec(sizes: readonly number[], o: AttentionOptions): AttentionSpec {
  const [n, heads, tq, tk, dk, dv] = sizes;
  const rowsPerLength = o.rowsPerLength ?? 1;
  if (!Number.isInteger(rowsPerLength) || rowsPerLength < 1 || o.lengths.length * rowsPerLength !== n) {
    throw new Error(`attention: ${o.lengths.length} lengths × ${rowsPerLength} rows per length ≠ N = ${n}`);
  }
  return {
    n,
    heads,
    tq,
    tk,
    dk,
    dv,
    lengths: o.lengths,
    rowsPerLength,
    scale: o.scale,
    causal: o.causal ?? false,
  };
}

/**
 * `attention` on self-attention's packed projection: qkv [N, T, H, 2·keyDim + dv]
 * (per head its q, k and v columns) → [N, T, H, dv]. Bit for bit what slicing
 * q, k, v out of `transpose(qkv, [0, 2, 1, 3])`, `attention` and transposing
 * the result back give — without those copies and their gradients.
 */
export function attentionPacked(qkv: Tensor, keyDim: number, o: AttentionOptions): Tensor {
  const [n, t, heads, width] = qkv.shape;
  const dv = width - 2 * keyDim;
  if (qkv.rank !== 4 || keyDim < 1 || dv < 1) {
    throw new Error(`attentionPacked: qkv [${qkv.shape}] must be [N, T, H, 2·${keyDim} + dv]`);
  }
  const spec = attentionSpec([n, heads, t, t, keyDim, dv], o);
  const drop = dropoutKeep(o.dropout, n * heads * t * t);
  const out = empty([n, t, heads, dv]);
  const probs = empty([n * heads * t * t]);
  kernels().attentionPacked(qkv.f32, drop?.f32 ?? null, out.f32, probs.f32, spec);
  return record(out, [qkv], (g) => {
    const gqkv = empty(qkv.shape);
    kernels().attentionPackedBackward(qkv.f32, drop?.f32 ?? null, probs.f32, g.f32, gqkv.f32, spec);
    return [gqkv];
  });
}

export interface CrossAttentionOptions {
  /** Valid decoder frames (rows of q) per batch entry; default: all. */
  qLengths?: Int32Array;
  /** Valid encoder frames (rows of k and v) per batch entry; default: all. */
  kLengths?: Int32Array;
  /** Multiplies the energies (`energy_factor`, rounded to float32); default 1. */
  factor?: number;
  /** Dropout on the weights, one draw per element of the weights [B, Tq, H, Tk] (as `dropout`). */
  dropout?: { rate: number; uniform: DropoutNoise };
}

/**
 * Decoder cross-attention, fused, in the layers' layouts: q [B, Tq, H, dk],
 * k [B, Tk, H, dk], v [B, Tk, H, dv] → [B, Tq, H, dv]. Bit for bit what
 * `dot` → `softmax_over_spatial` → `dropout` → `generic_attention` compute
 * (src/network/fuse-attention.ts; the kernel contract is `crossAttention` in
 * src/kernels/kernels.ts): padded frames zeroed, energies × factor, keys
 * beyond kLengths masked, softmax over the keys, dropout, weights of padded
 * frames zeroed, weighted sum of v. The gradients are 0 on padded frames.
 */
export function crossAttention(q: Tensor, k: Tensor, v: Tensor, o: CrossAttentionOptions = {}): Tensor {
  const [batch, tq, heads, dk] = q.shape;
  const [b2, tk, h2, dk2] = k.shape;
  const [b3, tk3, h3, dv] = v.shape;
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4 || b2 !== batch || b3 !== batch) {
    throw new Error(`crossAttention: q [${q.shape}], k [${k.shape}], v [${v.shape}] must be [B, T, H, d]`);
  }
  if (h2 !== heads || h3 !== heads || dk2 !== dk || tk3 !== tk) {
    throw new Error(`crossAttention: shapes q [${q.shape}], k [${k.shape}], v [${v.shape}] do not fit`);
  }
  const lengths = (l: Int32Array | undefined, full: number, what: string): Int32Array => {
    if (l && l.length !== batch) throw new Error(`crossAttention: ${l.length} ${what} for batch ${batch}`);
    return l ?? new Int32Array(batch).fill(full);
  };
  const spec: CrossAttentionSpec = {
    batch,
    heads,
    tq,
    tk,
    dk,
    dv,
    qLengths: lengths(o.qLengths, tq, "qLengths"),
    kLengths: lengths(o.kLengths, tk, "kLengths"),
    factor: o.factor ?? 1,
  };
  const drop = dropoutKeep(o.dropout, batch * tq * heads * tk);
  return qkvOp(
    [q, k, v],
    [batch, tq, heads, dv],
    batch * heads * tq * tk,
    (out, probs) => kernels().crossAttention(q.f32, k.f32, v.f32, drop?.f32 ?? null, out, probs, spec),
    (probs, g, gq, gk, gv) =>
      kernels().crossAttentionBackward(q.f32, k.f32, v.f32, drop?.f32 ?? null, probs, g, gq, gk, gv, spec),
  );
}

/** The dropout multipliers of `n` weights, or null without dropout. */
function dropoutKeep(d: { rate: number; uniform: DropoutNoise } | undefined, n: number): Tensor | null {
  if (!d || d.rate <= 0) return null;
  if (d.rate >= 1) throw new Error(`dropout rate ${d.rate} must be < 1`);
  const drop = empty([n]);
  dropoutMultipliers(d.uniform, d.rate, drop.f32);
  return drop;
}
