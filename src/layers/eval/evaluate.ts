/**
 * Evaluates a parsed `eval` expression over the layer's sources. Values are
 * numbers or tensors with dim tags; only whitelisted functions can be called.
 */
import type { Data } from "../../network/data.js";
import * as ops from "../../tensor/ops/index.js";
import { didYouMean, ReproError } from "../../util/errors.js";
import { FUNCTIONS, type FunctionSpec, functionNames, IGNORED_KWARGS } from "./functions.js";
import { type Node, parseExpression } from "./parse.js";
import { EvalSyntaxError } from "./tokenize.js";
import { asNumber, binary, describe, isTagged, type Value } from "./values.js";

/** Prefixes RETURNN configs write TensorFlow functions with; the longest is stripped. */
const PREFIXES = ["tf.math.", "tf.nn.", "tf."];

const SOURCE: FunctionSpec = {
  params: ["i", "auto_convert", "enforce_batch_major", "as_data"],
  required: 1,
  run: () => {
    throw new Error("internal: source() is evaluated by the evaluator");
  },
};

/** A one-line error for `expr` at `pos` (1-based column). */
const at = (where: string, expr: string, pos: number, msg: string): ReproError =>
  new ReproError(`${where}: eval "${expr}": ${msg} (column ${pos + 1})`);

const cache = new Map<string, Node>();

/** Parses `expr` (memoised: parsing is pure); syntax errors become ReproErrors naming `where`. */
export function compile(expr: string, where: string): Node {
  const hit = cache.get(expr);
  if (hit) return hit;
  try {
    const node = parseExpression(expr);
    if (cache.size < 1000) cache.set(expr, node);
    return node;
  } catch (e) {
    if (e instanceof EvalSyntaxError) throw at(where, expr, e.pos, e.message);
    throw e;
  }
}

/** The whitelisted function a dotted name denotes, or a ReproError naming it. */
function lookup(callee: string, where: string, expr: string, pos: number): FunctionSpec {
  if (callee === "source") return SOURCE;
  const prefix = PREFIXES.find((p) => callee.startsWith(p));
  const base = prefix ? callee.slice(prefix.length) : callee;
  const spec = FUNCTIONS.get(base);
  if (!spec) {
    const hint = didYouMean(base, [...FUNCTIONS.keys(), "source"]);
    throw at(
      where,
      expr,
      pos,
      `unsupported function "${callee}"${hint}; supported: source, ${functionNames().join(", ")}`,
    );
  }
  return spec;
}

class Evaluator {
  constructor(
    private readonly sources: readonly Data[],
    private readonly where: string,
    private readonly expr: string,
  ) {}

  eval(node: Node): Value {
    switch (node.type) {
      case "number":
      case "const":
        return node.value;
      case "list":
        return node.items.map((n) => this.eval(n));
      case "name":
        throw at(
          this.where,
          this.expr,
          node.pos,
          `unknown name "${node.name}" (only calls such as source(0) are supported)`,
        );
      case "unary": {
        const v = this.eval(node.operand);
        if (node.op === "+") return v;
        if (isTagged(v)) return { value: ops.neg(v.value), dims: v.dims };
        return -asNumber(v, 'operand of unary "-"', this.where);
      }
      case "binary":
        return binary(node.op, this.eval(node.left), this.eval(node.right), this.where);
      case "call":
        return this.call(node);
    }
  }

  private call(node: Extract<Node, { type: "call" }>): Value {
    const spec = lookup(node.callee, this.where, this.expr, node.pos);
    if (node.args.length > spec.params.length) {
      throw at(
        this.where,
        this.expr,
        node.pos,
        `${node.callee}() takes at most ${spec.params.length} arguments`,
      );
    }
    const args: (Value | undefined)[] = node.args.map((a) => this.eval(a));
    for (const kw of node.kwargs) {
      if (IGNORED_KWARGS.has(kw.name)) continue;
      const k = spec.params.indexOf(kw.name);
      if (k < 0) {
        throw at(
          this.where,
          this.expr,
          node.pos,
          `${node.callee}() has no argument "${kw.name}"${didYouMean(kw.name, spec.params)}`,
        );
      }
      if (k < node.args.length)
        throw at(this.where, this.expr, node.pos, `${node.callee}(): "${kw.name}" given twice`);
      args[k] = this.eval(kw.value);
    }
    const missing = spec.params.slice(0, spec.required).find((_, i) => args[i] === undefined);
    if (missing) throw at(this.where, this.expr, node.pos, `${node.callee}() needs argument "${missing}"`);
    const full = spec.params.map((_, i) => args[i] ?? null);
    if (spec === SOURCE) return this.source(full[0], node.pos);
    return spec.run(full, this.where);
  }

  /** source(i): the i-th input as a float tensor (sparse labels are cast; `auto_convert` etc. are accepted). */
  private source(index: Value, pos: number): Value {
    const i = asNumber(index, "source index", this.where);
    if (!Number.isInteger(i) || i < 0 || i >= this.sources.length) {
      const n = this.sources.length;
      throw at(
        this.where,
        this.expr,
        pos,
        `source(${describe(index)}) but the layer has ${n} source${n === 1 ? "" : "s"}`,
      );
    }
    const d = this.sources[i];
    return { value: d.value.dtype === "int32" ? ops.cast(d.value, "float32") : d.value, dims: d.dims };
  }
}

/** Evaluates `expr` over `sources`; errors are ReproErrors naming `where` (the layer path). */
export function evaluate(expr: string, sources: readonly Data[], where: string): Value {
  return new Evaluator(sources, where, expr).eval(compile(expr, where));
}
