import type { MatmulSpec } from "../kernels.js";

/**
 * Reference GEMM. Operands are first brought to the layouts A: m×k and
 * Bᵀ: n×k (row-major), so every output element is one contiguous dot product
 * summed over k in ascending order (float64 accumulator, one rounding). Scratch
 * buffers are reused across calls: no per-element allocation.
 */
let scratchA: Float32Array = new Float32Array(0);
let scratchB: Float32Array = new Float32Array(0);

function ensure(buf: Float32Array, n: number): Float32Array {
  return buf.length >= n ? buf : new Float32Array(Math.max(n, buf.length * 2));
}

/** dst (cols×rows) = transpose of src (rows×cols) starting at offset. */
function transposeInto(src: Float32Array, off: number, rows: number, cols: number, dst: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const base = off + r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[base + c];
  }
}

export function matmul(a: Float32Array, b: Float32Array, out: Float32Array, spec: MatmulSpec): void {
  const { batch, m, n, k, transA, transB, aBatchStride, bBatchStride } = spec;
  for (let t = 0; t < batch; t++) {
    let aa: Float32Array = a;
    let aOff = t * aBatchStride;
    if (transA) {
      scratchA = ensure(scratchA, m * k);
      transposeInto(a, aOff, k, m, scratchA);
      aa = scratchA;
      aOff = 0;
    }
    let bt: Float32Array = b;
    let bOff = t * bBatchStride;
    if (!transB) {
      scratchB = ensure(scratchB, n * k);
      transposeInto(b, bOff, k, n, scratchB);
      bt = scratchB;
      bOff = 0;
    }
    dotRows(aa, aOff, bt, bOff, out, t * m * n, m, n, k);
  }
}

/** out[i, j] = Σ_p a[i, p] · bt[j, p], p ascending; 4 columns at a time for speed. */
function dotRows(
  a: Float32Array,
  aOff: number,
  bt: Float32Array,
  bOff: number,
  out: Float32Array,
  oOff: number,
  m: number,
  n: number,
  k: number,
): void {
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * k;
    const oi = oOff + i * n;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = bOff + j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let p = 0; p < k; p++) {
        const x = a[ai + p];
        s0 += x * bt[b0 + p];
        s1 += x * bt[b1 + p];
        s2 += x * bt[b2 + p];
        s3 += x * bt[b3 + p];
      }
      out[oi + j] = s0;
      out[oi + j + 1] = s1;
      out[oi + j + 2] = s2;
      out[oi + j + 3] = s3;
    }
    for (; j < n; j++) {
      const bj = bOff + j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p] * bt[bj + p];
      out[oi + j] = s;
    }
  }
}
