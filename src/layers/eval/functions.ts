/**
 * The functions an `eval` expression may call: a fixed whitelist, under their
 * TensorFlow names (`tf.`, `tf.math.` and `tf.nn.` prefixes are accepted).
 * Reductions and softmax respect sequence lengths: what lies beyond a
 * sequence's end is replaced (with `where`, never by multiplying) first.
 */
import { staticDim } from "../../network/data.js";
import * as ops from "../../tensor/ops/index.js";
import { stopGradient } from "../../tensor/tape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { ReproError } from "../../util/errors.js";
import { frameMask, lengthAxes, type Tagged } from "../util/align.js";
import { asNumber, asTagged, describe, elementwise, isTagged, type Value } from "./values.js";

export interface FunctionSpec {
  /** Parameter names in positional order (TensorFlow's names, usable as keywords). */
  readonly params: readonly string[];
  /** How many leading params are required. */
  readonly required: number;
  /** Missing optional arguments are None (null). */
  run(args: readonly Value[], where: string): Value;
}

/** Keyword arguments every function accepts and ignores. */
export const IGNORED_KWARGS = new Set(["name"]);

const FLOAT_MAX = 3.4028234663852886e38;

const unary = (f: (x: Tensor) => Tensor, param = "x"): FunctionSpec => ({
  params: [param],
  required: 1,
  run: ([x], where) => {
    const t = asTagged(x, `argument of ${param === "x" ? "the function" : param}`, where);
    return { value: f(t.value), dims: t.dims };
  },
});

const binaryFn = (f: (a: Tensor | number, b: Tensor | number) => Tensor): FunctionSpec => ({
  params: ["x", "y"],
  required: 2,
  run: ([x, y], where) => {
    if (!isTagged(x) && !isTagged(y)) return elementwise(f, [asTagged(x, "x", where), y], where, "argument");
    return elementwise(f, [x, y], where, "argument");
  },
});

/** Axis indices (sorted, unique) from an `axis` value: None = all axes. */
function resolveAxes(axis: Value, rank: number, where: string): number[] {
  if (axis === null) return [...Array(rank).keys()];
  const list = Array.isArray(axis) ? axis : [axis];
  const out = list.map((a: Value) => {
    const n = asNumber(a, "axis", where);
    const k = n < 0 ? n + rank : n;
    if (!Number.isInteger(n) || k < 0 || k >= rank) {
      throw new ReproError(`${where}: axis ${describe(a)} is out of range for a tensor of rank ${rank}`);
    }
    return k;
  });
  return [...new Set(out)].sort((a, b) => a - b);
}

type ReduceKind = "sum" | "mean" | "max" | "min";

function reduce(kind: ReduceKind, x: Tagged, axis: Value, keepdims: boolean, where: string): Tagged {
  const rank = x.dims.length;
  const axes = resolveAxes(axis, rank, where);
  if (axes.length === 0) return x;
  // A time axis mixes padded frames into the result when it, or the batch
  // axis its lengths belong to, is reduced.
  const b = x.dims.findIndex((d) => d.kind === "batch");
  const masked = lengthAxes(x.dims).filter((t) => axes.includes(t) || (b >= 0 && axes.includes(b)));
  const mask = frameMask(x.dims, masked, where);
  const fill = kind === "max" ? -FLOAT_MAX : kind === "min" ? FLOAT_MAX : 0;
  const v = mask ? ops.where(mask, x.value, fill) : x.value;
  let out: Tensor;
  switch (kind) {
    case "sum":
      out = ops.sum(v, axes, keepdims);
      break;
    case "max":
      out = ops.max(v, axes, keepdims);
      break;
    case "min":
      out = ops.neg(ops.max(ops.neg(v), axes, keepdims));
      break;
    case "mean":
      if (mask) {
        // Σ over valid elements / their number (at least 1, so an empty sequence gives 0).
        const count = ops.sum(ops.broadcastTo(mask, x.value.shape), axes, keepdims);
        out = ops.div(ops.sum(v, axes, keepdims), ops.maximum(count, 1));
      } else out = ops.mean(v, axes, keepdims);
      break;
  }
  const dims = keepdims
    ? x.dims.map((d, i) => (axes.includes(i) ? staticDim(1) : d))
    : x.dims.filter((_, i) => !axes.includes(i));
  return { value: out, dims };
}

const reduction = (kind: ReduceKind): FunctionSpec => ({
  params: ["input_tensor", "axis", "keepdims"],
  required: 1,
  run: ([x, axis, keepdims], where) =>
    reduce(kind, asTagged(x, "input_tensor", where), axis, keepdims === true, where),
});

const softmaxFn = (f: typeof ops.softmax): FunctionSpec => ({
  params: ["logits", "axis"],
  required: 1,
  run: ([x, axis], where) => {
    const t = asTagged(x, "logits", where);
    if (t.dims.length === 0) throw new ReproError(`${where}: softmax of a scalar`);
    const [a] = resolveAxes(axis === null ? -1 : axis, t.dims.length, where);
    const mask = frameMask(t.dims, [a], where);
    return { value: f(t.value, a, mask ?? undefined), dims: t.dims };
  },
});

const whereFn: FunctionSpec = {
  params: ["condition", "x", "y"],
  required: 3,
  run: ([cond, x, y], where) => {
    if (!isTagged(cond)) return asNumber(cond, "condition", where) ? x : y;
    return elementwise((c, a, b) => ops.where(c as Tensor, a, b), [cond, x, y], where, "argument of where");
  },
};

/** tf.clip_by_value as TF composes it: maximum(minimum(t, max), min) (so the gradients are those two ops'). */
const clipByValueFn: FunctionSpec = {
  params: ["t", "clip_value_min", "clip_value_max"],
  required: 3,
  run: ([t, lo, hi], where) =>
    elementwise(
      (x, a, b) => ops.maximum(ops.minimum(x as Tensor, b), a),
      [asTagged(t, "t", where), lo, hi],
      where,
      "argument of clip_by_value",
    ),
};

export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map<string, FunctionSpec>([
  ["reduce_sum", reduction("sum")],
  ["reduce_mean", reduction("mean")],
  ["reduce_max", reduction("max")],
  ["reduce_min", reduction("min")],
  ["exp", unary(ops.exp)],
  ["log", unary(ops.log)],
  ["sqrt", unary(ops.sqrt)],
  ["rsqrt", unary(ops.rsqrt)],
  ["abs", unary(ops.abs)],
  ["square", unary(ops.square)],
  ["negative", unary(ops.neg)],
  ["relu", unary(ops.relu, "features")],
  ["tanh", unary(ops.tanh)],
  ["sigmoid", unary(ops.sigmoid)],
  ["identity", unary((t) => t, "input")],
  ["stop_gradient", unary(stopGradient, "input")],
  ["softmax", softmaxFn(ops.softmax)],
  ["log_softmax", softmaxFn(ops.logSoftmax)],
  ["minimum", binaryFn(ops.minimum)],
  ["maximum", binaryFn(ops.maximum)],
  ["add", binaryFn(ops.add)],
  ["subtract", binaryFn(ops.sub)],
  ["multiply", binaryFn(ops.mul)],
  ["divide", binaryFn(ops.div)],
  ["pow", binaryFn(ops.pow)],
  ["where", whereFn],
  ["clip_by_value", clipByValueFn],
]);

export const functionNames = (): string[] => [...FUNCTIONS.keys()].sort();
