/** Runtime values of the `eval` language and the arithmetic between them. */
import type { Dim } from "../../network/data.js";
import * as ops from "../../tensor/ops/index.js";
import { scalar, type Tensor } from "../../tensor/tensor.js";
import { ReproError } from "../../util/errors.js";
import { alignAll, type Tagged } from "../util/align.js";
import type { BinaryOp } from "./parse.js";

/** Python-like values: numbers and booleans stay JavaScript numbers until they meet a tensor. */
export type Value = number | boolean | null | readonly Value[] | Tagged;

export const isTagged = (v: Value): v is Tagged => typeof v === "object" && v !== null && !Array.isArray(v);

export function describe(v: Value): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return String(v);
  if (Array.isArray(v)) return "a list";
  return `a tensor (${(v as Tagged).dims.map((d: Dim) => d.name).join(", ")})`;
}

/** A number (booleans count as 0/1), or an error naming `what`. */
export function asNumber(v: Value, what: string, where: string): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  throw new ReproError(`${where}: ${what} must be a number, got ${describe(v)}`);
}

/** A tensor value: numbers become scalars with dims []. */
export function asTagged(v: Value, what: string, where: string): Tagged {
  if (isTagged(v)) return v;
  return { value: scalar(asNumber(v, what, where)), dims: [] };
}

type Operand = Tensor | number;
type TensorOp = (a: Operand, b: Operand) => Tensor;

const TENSOR_OPS: Record<BinaryOp, TensorOp> = {
  "+": ops.add,
  "-": ops.sub,
  "*": ops.mul,
  "/": ops.div,
  "**": ops.pow,
  "==": ops.equal,
  "!=": ops.notEqual,
  "<": ops.less,
  "<=": ops.lessEqual,
  ">": ops.greater,
  ">=": ops.greaterEqual,
};

function numberOp(op: BinaryOp, a: number, b: number): number | boolean {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return a / b;
    case "**":
      return a ** b;
    case "==":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
  }
}

/**
 * `a op b`. A number operand is passed to the op as a JavaScript number, so
 * `0.0 * x` is `mul(0, x)`, which the engine never differentiates.
 */
export function binary(op: BinaryOp, a: Value, b: Value, where: string): Value {
  const f = TENSOR_OPS[op];
  if (!isTagged(a) && !isTagged(b)) {
    return numberOp(
      op,
      asNumber(a, `left operand of "${op}"`, where),
      asNumber(b, `right operand of "${op}"`, where),
    );
  }
  return elementwise(f, [a, b], where, `operand of "${op}"`);
}

/** Applies a broadcasting tensor op to values, aligning tensor operands by their dims. */
export function elementwise(
  f: (...xs: Operand[]) => Tensor,
  args: readonly Value[],
  where: string,
  what: string,
): Tagged {
  const tagged = args.filter(isTagged);
  const aligned = alignAll(tagged, where);
  let k = 0;
  const operands = args.map((v) => (isTagged(v) ? aligned.values[k++] : asNumber(v, what, where)));
  return { value: f(...operands), dims: aligned.dims };
}
