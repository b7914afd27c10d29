/**
 * `eval`: an expression over `source(i)` in a small, safe expression language
 * (src/layers/eval/: parsed to an AST, whitelisted functions, never JavaScript
 * eval). RETURNN configs write TensorFlow code such as
 * `0.0 * tf.reduce_sum(source(0, auto_convert=False))`; those load unchanged.
 *
 * The result keeps the sources' dims when its shape is theirs, is a scalar
 * with dims [] when everything was reduced, and otherwise must be described by
 * `out_type` (RETURNN's rule: a shape change is declared, never guessed).
 */
import { z } from "zod";
import { Data, type Dim } from "../network/data.js";
import { didYouMean, ReproError } from "../util/errors.js";
import { evaluate } from "./eval/evaluate.js";
import { asTagged } from "./eval/values.js";
import type { LayerContext, LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { describeDims } from "./util/align.js";

const OUT_TYPE_KEYS = [
  "batch_dim_axis",
  "dim",
  "dtype",
  "feature_dim_axis",
  "shape",
  "sparse",
  "time_dim_axis",
];

/** Why `dims` does not fit RETURNN's `out_type` dict, or null if it does. */
export function outTypeMismatch(
  dims: readonly Dim[],
  outType: Readonly<Record<string, unknown>>,
  where: string,
): string | null {
  for (const key of Object.keys(outType).sort()) {
    if (!OUT_TYPE_KEYS.includes(key)) {
      throw new ReproError(`${where}: out_type: unknown key "${key}"${didYouMean(key, OUT_TYPE_KEYS)}`);
    }
  }
  const b = dims.findIndex((d) => d.kind === "batch");
  if ("batch_dim_axis" in outType) {
    const want = outType.batch_dim_axis;
    if (want === null && b >= 0) return "out_type says no batch axis, the result has one";
    if (typeof want === "number" && want !== b)
      return `out_type says batch_dim_axis ${want}, the result has ${b < 0 ? "none" : b}`;
  }
  const rest = dims.filter((_, i) => i !== b);
  if ("shape" in outType) {
    const shape = outType.shape;
    if (!Array.isArray(shape)) throw new ReproError(`${where}: out_type: "shape" must be a list (or tuple)`);
    if (shape.length !== rest.length)
      return `out_type shape has ${shape.length} axes (without batch), the result has ${rest.length}`;
    for (let i = 0; i < shape.length; i++) {
      const s = shape[i];
      const d = rest[i];
      if (s === null ? d.kind === "static" : d.kind !== "static" || d.size !== s) {
        return `out_type shape [${shape.map((x) => (x === null ? "None" : x)).join(", ")}] does not fit axis ${d.name}`;
      }
    }
  }
  if ("time_dim_axis" in outType) {
    const want = outType.time_dim_axis;
    const t = dims.findIndex((d) => d.kind === "time" && !d.loop);
    if (want === null && t >= 0) return "out_type says no time axis, the result has one";
    if (typeof want === "number" && want !== t)
      return `out_type says time_dim_axis ${want}, the result has ${t < 0 ? "none" : t}`;
  }
  if ("dim" in outType && outType.dim !== null) {
    const last = dims[dims.length - 1];
    if (last?.kind !== "static" || last.size !== outType.dim)
      return `out_type dim ${outType.dim} does not fit the result`;
  }
  if ("dtype" in outType && outType.dtype !== "float32")
    return `out_type dtype ${String(outType.dtype)}: the result is float32`;
  if (outType.sparse === true) return "out_type says sparse: the result is dense";
  return null;
}

const sameDims = (a: readonly Dim[], b: readonly Dim[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Evaluates `expr` as an eval (or combine kind "eval") layer: the result must
 * have the sources' dims (the largest source's, when they broadcast), be a
 * scalar, or fit `out_type`.
 */
export function evalForward(
  ctx: LayerContext,
  inputs: readonly Data[],
  expr: string,
  outType: Readonly<Record<string, unknown>> | undefined,
): Data {
  const where = ctx.path;
  const result = asTagged(evaluate(expr, inputs, where), "the eval result", where);
  let reference: readonly Dim[] = [];
  for (const d of inputs) if (d.dims.length > reference.length) reference = d.dims;
  if (outType !== undefined) {
    const why = outTypeMismatch(result.dims, outType, where);
    if (why) throw new ReproError(`${where}: eval "${expr}": ${why} ${describeDims(result.dims)}`);
  } else if (result.dims.length > 0 && !sameDims(result.dims, reference)) {
    throw new ReproError(
      `${where}: eval "${expr}" changes the shape ${describeDims(reference)} → ${describeDims(result.dims)}; describe the result with "out_type"`,
    );
  }
  return new Data(result.value, result.dims);
}

const evalOptions = { eval: z.string() };

const evalLayer: LayerDef<typeof evalOptions> = {
  options: evalOptions,
  forward: (ctx, inputs, opts) => evalForward(ctx, inputs, opts.eval, opts.out_type),
};

registerLayer("eval", evalLayer);
