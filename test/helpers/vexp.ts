/**
 * The native vectorised exp (native/src/vexp.cc) re-done in JS, operation by
 * operation: every step is one IEEE double operation (the native build has no
 * FMA contraction), so JS gives the same bits. Written from the algorithm —
 * Cody–Waite reduction x = n·ln2 + r, a degree-12 Taylor polynomial, 2^n in the
 * exponent bits — as the reference the native paths of every ISA must match.
 */
const LOG2E = Math.LOG2E; // 1.4426950408889634, as in vexp.cc
const LN2_HI = 0.6931471803691238; // the doubles of vexp.cc's kLn2Hi, kLn2Lo
const LN2_LO = 1.9082149292705877e-10;
const MAGIC = 6755399441055744; // 1.5·2^52: adding it rounds to an integer

const view = new DataView(new ArrayBuffer(8));

/** 2^n for an integer n in [−1022, 1023], built from its exponent bits. */
function pow2(n: number): number {
  view.setBigUint64(0, BigInt(n + 1023) << 52n);
  return view.getFloat64(0);
}

/** e^x as vexp.cc computes it (arguments below −708 give 0, NaN stays NaN). */
export function vexpOne(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < -708) return 0;
  const t = x * LOG2E + MAGIC;
  const n = t - MAGIC;
  const r = x - n * LN2_HI - n * LN2_LO;
  let p = 1 / 479001600;
  for (const c of [39916800, 3628800, 362880, 40320, 5040, 720, 120, 24, 6]) p = p * r + 1 / c;
  p = p * r + 0.5;
  p = p * r + 1;
  p = p * r + 1;
  return p * pow2(n);
}
