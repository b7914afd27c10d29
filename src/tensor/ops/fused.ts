/**
 * Fused ops: one kernel call forward and one backward instead of a chain of
 * ops, each with its own gradient. Every fused op computes exactly (bit for
 * bit, on either kernel set) what its composed version computes; the composed
 * version is its test oracle (test/tensor/ops/fused.test.ts).
 */
import { kernels } from "../../kernels/active.js";
import type { AttentionSpec } from "../../kernels/kernels.js";
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
  const rowsPerLength = o.rowsPerLength ?? 1;
  if (!Number.isInteger(rowsPerLength) || rowsPerLength < 1 || o.lengths.length * rowsPerLength !== n) {
    throw new Error(`attention: ${o.lengths.length} lengths × ${rowsPerLength} rows per length ≠ N = ${n}`);
  }
  const spec: AttentionSpec = {
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
  let drop: Float32Array | null = null;
  if (o.dropout && o.dropout.rate > 0) {
    const { rate, uniform } = o.dropout;
    if (rate >= 1) throw new Error(`dropout rate ${rate} must be < 1`);
    drop = new Float32Array(n * heads * tq * tk);
    dropoutMultipliers(uniform, rate, drop);
  }
  const out = empty([n, heads, tq, dv]);
  const probs = new Float32Array(n * heads * tq * tk);
  kernels().attention(q.f32, k.f32, v.f32, drop, out.f32, probs, spec);
  return record(out, [q, k, v], (g, needs) => {
    const gq = empty(q.shape);
    const gk = empty(k.shape);
    const gv = empty(v.shape);
    kernels().attentionBackward(q.f32, k.f32, v.f32, drop, probs, g.f32, gq.f32, gk.f32, gv.f32, spec);
    return [needs[0] ? gq : null, needs[1] ? gk : null, needs[2] ? gv : null];
  });
}
