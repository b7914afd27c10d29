/**
 * What each layer of a network does in training, derived with the real graph
 * code (parseNetwork, rootLayers, lossScale) and the same rules the runner
 * applies (src/network/run.ts, contract point 5):
 *
 * - `objective`: computed on the gradient tape for a loss in the objective
 *   (a loss other than edit_distance, scale ≠ 0, whose value is not constant);
 * - `constant`: computed only for losses whose value cannot depend on a
 *   parameter (an `eval` multiplied by a literal 0, or under stop_gradient):
 *   reported, never optimised;
 * - `report`: computed only for scale-0 losses, error-only losses
 *   (edit_distance) and output layers without a loss, under no-grad;
 * - `unused`: not needed by any loss or output, not computed in training.
 *
 * Layers inside a rec unit take the weaker of their role in the unit and the
 * rec layer's role in the enclosing network.
 */
import "../../layers/index.js"; // registers the layer classes parseNetwork looks up
import type { Node } from "../../layers/eval/parse.js";
import { parseExpression } from "../../layers/eval/parse.js";
import {
  defaultTargetOf,
  type LayerNode,
  type NetGraph,
  parseExternData,
  parseNetwork,
  rootLayers,
} from "../../network/graph.js";
import { ancestors, feedsObjective } from "../../network/order.js";
import type { Role } from "./types.js";

export interface LayerInfo {
  node: LayerNode;
  role: Role;
  /** The root (loss or output layer) that makes this layer computed, for messages. */
  neededBy: string | null;
}

const RANK: Record<Role, number> = { unused: 0, report: 1, constant: 2, objective: 3 };
const weaker = (a: Role, b: Role): Role => (RANK[a] <= RANK[b] ? a : b);

/** True when an `eval` expression is a constant: it multiplies by a literal 0, or uses no source. */
export function isConstantExpression(node: Node): boolean {
  switch (node.type) {
    case "number":
    case "const":
      return true;
    case "name":
      return false;
    case "list":
      return node.items.every(isConstantExpression);
    case "unary":
      return isConstantExpression(node.operand);
    case "binary":
      if (node.op === "*") return isLiteralZero(node.left) || isLiteralZero(node.right) || both(node);
      if (node.op === "/") return isLiteralZero(node.left) || both(node);
      return both(node);
    case "call": {
      const name = node.callee.replace(/^tf\.(math\.|nn\.)?/, "");
      if (name === "stop_gradient") return true;
      if (name === "source") return false;
      return [...node.args, ...node.kwargs.map((k) => k.value)].every(isConstantExpression);
    }
  }
}

const both = (n: Extract<Node, { type: "binary" }>) =>
  isConstantExpression(n.left) && isConstantExpression(n.right);

/** A literal 0 (`0`, `0.0`, `-0.0`, `(0 * x)`). */
export function isLiteralZero(node: Node): boolean {
  if (node.type === "number") return node.value === 0;
  if (node.type === "unary") return isLiteralZero(node.operand);
  if (node.type === "binary" && node.op === "*") return isLiteralZero(node.left) || isLiteralZero(node.right);
  if (node.type === "binary" && node.op === "/") return isLiteralZero(node.left);
  return false;
}

/** The eval expression of an `eval` layer or a `combine` with kind eval, if any. */
export function evalExpression(node: LayerNode): string | null {
  const e = node.opts.eval;
  if (typeof e !== "string") return null;
  if (node.className === "eval" || (node.className === "combine" && node.opts.kind === "eval")) return e;
  return null;
}

/** True when the layer's loss value can never depend on a parameter (statically: a constant eval). */
export function isConstantLoss(node: LayerNode): boolean {
  const expr = evalExpression(node);
  if (expr === null) return false;
  try {
    return isConstantExpression(parseExpression(expr));
  } catch {
    return false; // a syntax error is reported by training; here it just is not known to be constant
  }
}

/** Like feedsObjective, but a constant loss does not count (it is reported, never optimised). */
function optimised(node: LayerNode): boolean {
  if (node.unit) return [...node.unit.layers.values()].some(optimised);
  return feedsObjective(node) && !isConstantLoss(node);
}

/** Roles of every layer of `graph` (recursing into rec units), by full path. */
export function layerRoles(graph: NetGraph, scopeRole: Role = "objective"): Map<string, LayerInfo> {
  const out = new Map<string, LayerInfo>();
  const assigned = new Map<string, { role: Role; neededBy: string }>();
  // `output` first, so messages name the main output when it needs a layer.
  const rank = (n: LayerNode) => (n.name === "output" ? "" : n.name);
  const roots = rootLayers(graph).sort((a, b) => (rank(a) < rank(b) ? -1 : 1));
  const roleOfRoot = (n: LayerNode): Role =>
    optimised(n) ? "objective" : feedsObjective(n) ? "constant" : "report";
  for (const root of roots) {
    const role = roleOfRoot(root);
    for (const name of ancestors(graph, [root])) {
      const prev = assigned.get(name);
      if (!prev || RANK[role] > RANK[prev.role]) assigned.set(name, { role, neededBy: root.path });
    }
  }
  for (const node of [...graph.layers.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const a = assigned.get(node.name);
    const role = weaker(a?.role ?? "unused", scopeRole);
    out.set(node.path, { node, role, neededBy: a?.neededBy ?? null });
    if (node.unit) for (const [p, info] of layerRoles(node.unit, role)) out.set(p, info);
  }
  return out;
}

/** Parses a config's network with the real graph code; throws the ReproError training would. */
export function configGraph(config: Record<string, unknown>, file: string): NetGraph {
  const externs = parseExternData(config.extern_data, file);
  return parseNetwork(config.network, file, externs, defaultTargetOf(config, file));
}
