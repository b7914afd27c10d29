/**
 * `activation`: an element-wise activation function (RETURNN names). The
 * function table is shared with `linear`, `softmax` and `combine`.
 */
import { z } from "zod";
import { Data } from "../network/data.js";
import * as ops from "../tensor/ops/index.js";
import type { Tensor } from "../tensor/tensor.js";
import { didYouMean, ReproError } from "../util/errors.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { frameMask, type Tagged } from "./util/align.js";

type Activation = (x: Tagged, where: string) => Tensor;

/** softmax / log_softmax over the last axis; a time axis there is masked beyond each sequence's end. */
const overLast =
  (f: typeof ops.softmax): Activation =>
  (x, where) => {
    const last = x.dims.length - 1;
    if (last < 0) throw new ReproError(`${where}: softmax of a scalar`);
    return f(x.value, -1, frameMask(x.dims, [last], where) ?? undefined);
  };

const elementwise =
  (f: (t: Tensor) => Tensor): Activation =>
  (x) =>
    f(x.value);

const ACTIVATIONS: ReadonlyMap<string, Activation> = new Map([
  ["identity", elementwise((t) => t)],
  ["linear", elementwise((t) => t)],
  ["relu", elementwise(ops.relu)],
  ["tanh", elementwise(ops.tanh)],
  ["sigmoid", elementwise(ops.sigmoid)],
  ["gelu", elementwise(ops.gelu)],
  ["exp", elementwise(ops.exp)],
  ["log", elementwise(ops.log)],
  ["abs", elementwise(ops.abs)],
  ["sqrt", elementwise(ops.sqrt)],
  ["rsqrt", elementwise(ops.rsqrt)],
  ["square", elementwise(ops.square)],
  ["swish", elementwise((t) => ops.mul(t, ops.sigmoid(t)))],
  ["softmax", overLast(ops.softmax)],
  ["log_softmax", overLast(ops.logSoftmax)],
]);

export const activationNames = (): string[] => [...ACTIVATIONS.keys()].sort();

type Term = (x: Tagged, where: string) => Tensor | number;
const OPERATORS: readonly [string, (a: Tensor | number, b: Tensor | number) => Tensor][] = [
  ["+", ops.add],
  ["-", ops.sub],
  ["*", ops.mul],
  ["/", ops.div],
];

/**
 * A named activation, or RETURNN's composite form such as "2*sigmoid" or
 * "3 + 2 * sigmoid": split at the first `+`, else `-`, `*`, `/` (in that
 * order, as RETURNN's get_activation_function), each side a number or again
 * an activation. Undefined for anything else (and for numbers alone).
 */
function lookup(name: string): Activation | undefined {
  const named = ACTIVATIONS.get(name.trim());
  if (named) return named;
  for (const [op, apply] of OPERATORS) {
    const i = name.indexOf(op);
    if (i < 0) continue;
    const [a, b] = [term(name.slice(0, i)), term(name.slice(i + 1))];
    if (!a || !b) return undefined;
    return (x, where) => {
      const [va, vb] = [a(x, where), b(x, where)];
      if (typeof va === "number" && typeof vb === "number")
        throw new ReproError(`${where}: activation "${name}" has no function`);
      return apply(va, vb);
    };
  }
  return undefined;
}

function term(text: string): Term | undefined {
  const t = text.trim();
  if (/^\d+(\.\d*)?$/.test(t)) return () => Number(t);
  return lookup(t);
}

/** Checks an `activation` option value early (null/undefined = none). */
export function checkActivation(name: string | null | undefined, where: string): void {
  if (name === null || name === undefined || lookup(name)) return;
  throw new ReproError(
    `${where}: unknown activation "${name}"${didYouMean(name, ACTIVATIONS.keys())} (known: ${activationNames().join(", ")}, and RETURNN's forms such as "2*sigmoid")`,
  );
}

/** Applies the named activation (null/undefined = identity). */
export function applyActivation(name: string | null | undefined, x: Tagged, where: string): Tensor {
  checkActivation(name, where);
  if (name === null || name === undefined) return x.value;
  return lookup(name)!(x, where);
}

/** The `activation` option as layer schemas declare it. */
export const activationOption = z.string().nullable().optional();

const activationLayerOptions = { activation: z.string().nullable() };

const activationLayer: LayerDef<typeof activationLayerOptions> = {
  options: activationLayerOptions,
  forward(ctx, inputs, opts) {
    if (inputs.length !== 1)
      throw new ReproError(`${ctx.path}: activation takes one source, got ${inputs.length}`);
    const x = inputs[0];
    if (x.sparse) throw new ReproError(`${ctx.path}: activation of sparse data (${x.describe()})`);
    if (opts.activation === null) return x;
    return new Data(applyActivation(opts.activation, x, ctx.path), x.dims);
  },
};

registerLayer("activation", activationLayer);
