/** Element-wise ops with NumPy broadcasting; each forward sits beside its gradient. */

import { kernels } from "../../kernels/active.js";
import type { BinaryOp, UnaryOp } from "../../kernels/kernels.js";
import { record, requiresGrad } from "../tape.js";
import { empty, type Shape, scalar, Tensor } from "../tensor.js";
import { broadcastShapes, broadcastStrides, unbroadcast } from "./broadcast.js";

type Operand = Tensor | number;
const asTensor = (x: Operand): Tensor => (typeof x === "number" ? scalar(x) : x);

/** Forward of a broadcasting binary op, no gradient. */
export function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const out = empty(shape);
  kernels().binary(
    op,
    a.f32,
    broadcastStrides(a.shape, shape),
    b.f32,
    broadcastStrides(b.shape, shape),
    out.f32,
    shape,
  );
  return out;
}

function unaryRaw(op: UnaryOp, x: Tensor): Tensor {
  const out = empty(x.shape);
  kernels().unary(op, x.f32, out.f32);
  return out;
}

export function add(a: Operand, b: Operand): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  return record(binaryRaw("add", x, y), [x, y], (g, needs) => [
    needs[0] ? unbroadcast(g, x.shape) : null,
    needs[1] ? unbroadcast(g, y.shape) : null,
  ]);
}

export function sub(a: Operand, b: Operand): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  return record(binaryRaw("sub", x, y), [x, y], (g, needs) => [
    needs[0] ? unbroadcast(g, x.shape) : null,
    needs[1] ? unbroadcast(neg(g), y.shape) : null,
  ]);
}

/** True for a one-element constant 0: multiplying by it cuts the graph (contract point 5). */
const isConstantZero = (t: Tensor): boolean => t.size === 1 && !requiresGrad(t) && t.data[0] === 0;

export function mul(a: Operand, b: Operand): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  const out = binaryRaw("mul", x, y);
  if (isConstantZero(x) || isConstantZero(y)) return out; // no gradient flows through 0·f
  return record(out, [x, y], (g, needs) => [
    needs[0] ? unbroadcast(binaryRaw("mul", g, y), x.shape) : null,
    needs[1] ? unbroadcast(binaryRaw("mul", g, x), y.shape) : null,
  ]);
}

export function div(a: Operand, b: Operand): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  const out = binaryRaw("div", x, y);
  return record(out, [x, y], (g, needs) => [
    needs[0] ? unbroadcast(binaryRaw("div", g, y), x.shape) : null,
    needs[1] ? unbroadcast(neg(binaryRaw("div", binaryRaw("mul", g, out), y)), y.shape) : null,
  ]);
}

export function pow(a: Operand, b: Operand): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  const out = binaryRaw("pow", x, y);
  return record(out, [x, y], (g, needs) => [
    needs[0]
      ? unbroadcast(mul(g, mul(y, binaryRaw("pow", x, binaryRaw("sub", y, scalar(1))))), x.shape)
      : null,
    // d/dy x^y = x^y · ln x, taken as 0 where x <= 0 (as TensorFlow does).
    needs[1] ? unbroadcast(where(greater(x, 0), mul(g, mul(out, unaryRaw("log", x))), 0), y.shape) : null,
  ]);
}

export function maximum(a: Operand, b: Operand): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  const xWins = binaryRaw("ge", x, y);
  return record(binaryRaw("max", x, y), [x, y], (g, needs) => [
    needs[0] ? unbroadcast(where(xWins, g, 0), x.shape) : null,
    needs[1] ? unbroadcast(where(xWins, 0, g), y.shape) : null,
  ]);
}

export function minimum(a: Operand, b: Operand): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  const xWins = binaryRaw("le", x, y);
  return record(binaryRaw("min", x, y), [x, y], (g, needs) => [
    needs[0] ? unbroadcast(where(xWins, g, 0), x.shape) : null,
    needs[1] ? unbroadcast(where(xWins, 0, g), y.shape) : null,
  ]);
}

/** A unary op whose gradient is `gradOp(saved, g)` with saved = input or output. */
function unaryWithGrad(op: UnaryOp, x: Tensor, grad: (g: Tensor, out: Tensor) => Tensor): Tensor {
  const out = unaryRaw(op, x);
  return record(out, [x], (g) => [grad(g, out)]);
}

export const neg = (x: Tensor): Tensor => unaryWithGrad("neg", x, (g) => unaryRaw("neg", g));
export const exp = (x: Tensor): Tensor => unaryWithGrad("exp", x, (g, y) => binaryRaw("mul", g, y));
export const log = (x: Tensor): Tensor => unaryWithGrad("log", x, (g) => binaryRaw("div", g, x));
export const sqrt = (x: Tensor): Tensor =>
  unaryWithGrad("sqrt", x, (g, y) => binaryRaw("div", binaryRaw("mul", g, scalar(0.5)), y));
export const rsqrt = (x: Tensor): Tensor =>
  unaryWithGrad("rsqrt", x, (g, y) =>
    binaryRaw("mul", g, binaryRaw("mul", scalar(-0.5), binaryRaw("pow", y, scalar(3)))),
  );
export const abs = (x: Tensor): Tensor =>
  unaryWithGrad("abs", x, (g) => binaryRaw("mul", g, unaryRaw("sign", x)));
export const square = (x: Tensor): Tensor =>
  unaryWithGrad("square", x, (g) => binaryRaw("mul", g, binaryRaw("mul", x, scalar(2))));
export const relu = (x: Tensor): Tensor => unaryWithGrad("relu", x, (g) => binaryRaw("relu_grad", x, g));
export const gelu = (x: Tensor): Tensor => unaryWithGrad("gelu", x, (g) => binaryRaw("gelu_grad", x, g));
export const tanh = (x: Tensor): Tensor => unaryWithGrad("tanh", x, (g, y) => binaryRaw("tanh_grad", y, g));
export const sigmoid = (x: Tensor): Tensor =>
  unaryWithGrad("sigmoid", x, (g, y) => binaryRaw("sigmoid_grad", y, g));

/**
 * cond ? a : b with broadcasting. The gradient is routed by selection, never by
 * multiplying with a mask, so ±inf or NaN in the unselected branch cannot leak.
 */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  const shape = broadcastShapes(cond.shape, broadcastShapes(x.shape, y.shape));
  const out = whereRaw(cond, x, y, shape);
  return record(out, [x, y], (g, needs) => {
    const zero = scalar(0);
    return [
      needs[0] ? unbroadcast(whereRaw(cond, g, zero, shape), x.shape) : null,
      needs[1] ? unbroadcast(whereRaw(cond, zero, g, shape), y.shape) : null,
    ];
  });
}

function whereRaw(cond: Tensor, a: Tensor, b: Tensor, shape: Shape): Tensor {
  const out = empty(shape);
  kernels().where(
    cond.f32,
    broadcastStrides(cond.shape, shape),
    a.f32,
    broadcastStrides(a.shape, shape),
    b.f32,
    broadcastStrides(b.shape, shape),
    out.f32,
    shape,
  );
  return out;
}

// Comparisons give float 0/1 masks and have no gradient.
export const equal = (a: Operand, b: Operand): Tensor => binaryRaw("eq", asTensor(a), asTensor(b));
export const notEqual = (a: Operand, b: Operand): Tensor => binaryRaw("ne", asTensor(a), asTensor(b));
export const less = (a: Operand, b: Operand): Tensor => binaryRaw("lt", asTensor(a), asTensor(b));
export const lessEqual = (a: Operand, b: Operand): Tensor => binaryRaw("le", asTensor(a), asTensor(b));
export const greater = (a: Operand, b: Operand): Tensor => binaryRaw("gt", asTensor(a), asTensor(b));
export const greaterEqual = (a: Operand, b: Operand): Tensor => binaryRaw("ge", asTensor(a), asTensor(b));

/** Converts between float32 and int32 (truncation toward zero); the float→float identity keeps the gradient. */
export function cast(x: Tensor, dtype: "float32" | "int32"): Tensor {
  if (x.dtype === dtype) return x;
  if (dtype === "int32")
    return new Tensor(
      x.shape,
      Int32Array.from(x.f32, (v) => Math.trunc(v)),
    );
  return new Tensor(x.shape, Float32Array.from(x.i32));
}
