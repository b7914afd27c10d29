import { forEachRow } from "./strided.js";

export function sum(x: Float32Array, out: Float32Array, outer: number, len: number, inner: number): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let s = 0;
      const base = o * len;
      for (let j = 0; j < len; j++) s += x[base + j];
      out[o] = s;
    }
    return;
  }
  // Accumulate each output in float64, visiting j in ascending order.
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    for (let j = 0; j < len; j++) {
      const base = (o * len + j) * inner;
      for (let i = 0; i < inner; i++) acc[i] += x[base + i];
    }
    for (let i = 0; i < inner; i++) out[o * inner + i] = acc[i];
  }
}

export function max(
  x: Float32Array,
  out: Float32Array,
  argmax: Int32Array,
  outer: number,
  len: number,
  inner: number,
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = Number.NEGATIVE_INFINITY;
      let arg = 0;
      for (let j = 0; j < len; j++) {
        const v = x[(o * len + j) * inner + i];
        if (v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
          best = v;
          arg = j;
        }
      }
      out[o * inner + i] = len === 0 ? Number.NEGATIVE_INFINITY : best;
      argmax[o * inner + i] = arg;
    }
  }
}

export function copy(
  src: Float32Array | Int32Array,
  sOff: number,
  sStrides: readonly number[],
  dst: Float32Array | Int32Array,
  dOff: number,
  dStrides: readonly number[],
  shape: readonly number[],
): void {
  forEachRow(shape, [sStrides, dStrides], (off, count, st) => {
    let s = sOff + off[0];
    let d = dOff + off[1];
    for (let j = 0; j < count; j++, s += st[0], d += st[1]) dst[d] = src[s];
  });
}
