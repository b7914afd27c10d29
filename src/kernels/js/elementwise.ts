import type { BinaryOp, UnaryOp } from "../kernels.js";
import { gelu, geluGrad, sigmoid } from "./math.js";
import { forEachRow, isContiguous } from "./strided.js";

const unaryFns: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  abs: Math.abs,
  relu: (x) => Math.max(x, 0), // NaN stays NaN, as in TensorFlow
  gelu,
  tanh: Math.tanh,
  sigmoid,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
};

const binaryFns: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  max: (a, b) => (a >= b || Number.isNaN(a) ? a : b),
  min: (a, b) => (a <= b || Number.isNaN(a) ? a : b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  relu_grad: (x, g) => (x > 0 ? g : 0),
  gelu_grad: (x, g) => g * geluGrad(x),
  tanh_grad: (y, g) => g * (1 - y * y),
  sigmoid_grad: (y, g) => g * y * (1 - y),
};

export function unary(op: UnaryOp, x: Float32Array, out: Float32Array): void {
  const f = unaryFns[op];
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
}

export function binary(
  op: BinaryOp,
  a: Float32Array,
  aStrides: readonly number[],
  b: Float32Array,
  bStrides: readonly number[],
  out: Float32Array,
  shape: readonly number[],
): void {
  const f = binaryFns[op];
  if (isContiguous(aStrides, shape) && isContiguous(bStrides, shape)) {
    // The common case: same shapes. The switch keeps the hottest ops monomorphic.
    const n = out.length;
    switch (op) {
      case "add":
        for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
        return;
      case "sub":
        for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
        return;
      case "mul":
        for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
        return;
      default:
        for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
        return;
    }
  }
  let o = 0;
  forEachRow(shape, [aStrides, bStrides], (off, count, st) => {
    let ia = off[0];
    let ib = off[1];
    const sa = st[0];
    const sb = st[1];
    for (let j = 0; j < count; j++, ia += sa, ib += sb) out[o++] = f(a[ia], b[ib]);
  });
}

export function where(
  cond: Float32Array,
  cStrides: readonly number[],
  a: Float32Array,
  aStrides: readonly number[],
  b: Float32Array,
  bStrides: readonly number[],
  out: Float32Array,
  shape: readonly number[],
): void {
  let o = 0;
  forEachRow(shape, [cStrides, aStrides, bStrides], (off, count, st) => {
    let ic = off[0];
    let ia = off[1];
    let ib = off[2];
    for (let j = 0; j < count; j++, ic += st[0], ia += st[1], ib += st[2])
      out[o++] = cond[ic] !== 0 ? a[ia] : b[ib];
  });
}
