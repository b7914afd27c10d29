/**
 * Exact float32 fused multiply-add in JS: the reference for the native GEMM
 * contract (every output element is the chain acc = fmaf(a, b, acc) over k
 * ascending, from 0; native/src/gemm.h).
 *
 * a·b of two float32 values is exact in float64; s = a·b + c is rounded once
 * in float64 and TwoSum recovers the error e exactly, so the true value is
 * s + e. Rounding it to float32 gives fround(s) unless s is exactly halfway
 * between two float32 values, where the sign of e decides.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 neighbour of float32 `f` in the direction of `toward` (≠ f). */
function nextFloat(f: number, toward: number): number {
  if (f === 0) {
    u32[0] = 1;
    return toward > 0 ? f32[0] : -f32[0];
  }
  f32[0] = f;
  u32[0] += toward > f === f > 0 ? 1 : -1;
  return f32[0];
}

/** fmaf(a, b, c) for float32 a, b, c: a·b + c rounded once to float32. */
export function fmaf(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const f = Math.fround(s);
  if (f === s || !Number.isFinite(s)) return f;
  const bv = s - p;
  const e = p - (s - bv) + (c - bv);
  if (e === 0) return f;
  const g = nextFloat(f, s);
  if (Math.abs(s - f) !== Math.abs(g - s)) return f; // not a tie: s rounds like the true value
  return e > 0 === g > f ? g : f;
}

/** Σ_p x(p)·y(p), p = 0..k-1 ascending, as one float32 FMA chain from 0. */
export function fmaDot(k: number, x: (p: number) => number, y: (p: number) => number): number {
  let acc = 0;
  for (let p = 0; p < k; p++) acc = fmaf(x(p), y(p), acc);
  return acc;
}
