/**
 * Iteration over broadcast operands: an odometer over all but the innermost
 * dimension, with a plain strided loop inside. Index order is row-major, so
 * every kernel built on it visits elements in one fixed order.
 */

/** Contiguous row-major strides for a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function isContiguous(strides: readonly number[], shape: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i];
  }
  return true;
}

/**
 * Calls `inner(offsets, count, innerStrides)` once per innermost row, where
 * `offsets[k]` is operand k's start offset for that row.
 */
export function forEachRow(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  inner: (offsets: number[], count: number, innerStrides: number[]) => void,
): void {
  const rank = shape.length;
  const n = strides.length;
  if (rank === 0) {
    inner(new Array<number>(n).fill(0), 1, new Array<number>(n).fill(0));
    return;
  }
  for (const d of shape) if (d === 0) return;
  const last = rank - 1;
  const count = shape[last];
  const innerStrides = strides.map((s) => s[last]);
  const idx = new Array<number>(rank).fill(0);
  const offsets = new Array<number>(n).fill(0);
  for (;;) {
    inner(offsets, count, innerStrides);
    let d = last - 1;
    while (d >= 0) {
      idx[d]++;
      for (let k = 0; k < n; k++) offsets[k] += strides[k][d];
      if (idx[d] < shape[d]) break;
      for (let k = 0; k < n; k++) offsets[k] -= strides[k][d] * shape[d];
      idx[d] = 0;
      d--;
    }
    if (d < 0) return;
  }
}
