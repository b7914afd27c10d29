/**
 * What the runner computes, and in which order: dependencies within a scope,
 * the layers roots need, and one canonical evaluation order. Shared by the
 * runner and by `repronet diff`, which must judge layers by the same rules.
 */
import type { LayerNode, NetGraph } from "./graph.js";

/** The loss scale of a layer: `loss_scale`, else `loss_opts.scale`, else 1. */
export function lossScale(node: LayerNode): number {
  const fromOpts = node.opts.loss_opts?.scale;
  return node.opts.loss_scale ?? (typeof fromOpts === "number" ? fromOpts : 1);
}

/** True if the objective may depend on this layer's loss (for rec also: on a loss in its unit). */
export function feedsObjective(node: LayerNode): boolean {
  // A rec feeds it through its unit's losses or through a loss of its own (on the unit's output).
  if (node.unit && [...node.unit.layers.values()].some(feedsObjective)) return true;
  return node.opts.loss !== undefined && node.opts.loss !== "edit_distance" && lossScale(node) !== 0;
}

/** Names of same-scope layers a layer needs first: `from`, option refs, `prev:` targets, and for rec its unit's `base:` refs. */
export function dependencies(node: LayerNode): string[] {
  const refs = [...node.sources, ...node.extraRefs.values()];
  const deps = refs.flatMap((r) => (r.kind === "layer" ? [r.name] : []));
  if (node.unit) deps.push(...baseRefs(node.unit));
  return deps;
}

/** Layers of the enclosing network that a unit (or units nested in it) reads with `base:`. */
function baseRefs(unit: NetGraph): string[] {
  return [...unit.layers.values()].flatMap((n) =>
    [...n.sources, ...n.extraRefs.values()].flatMap((r) => (r.kind === "base" ? [r.name] : [])),
  );
}

/** The roots and everything they depend on within this scope. */
export function ancestors(graph: NetGraph, roots: readonly LayerNode[]): Set<string> {
  const seen = new Set<string>();
  const stack = roots.map((n) => n.name);
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const node = graph.layers.get(name)!;
    stack.push(...dependencies(node));
    // prev:x within a unit needs x over the whole sequence first.
    for (const r of node.sources)
      if (r.kind === "prev" && r.name !== name && !isChoice(graph, r.name)) stack.push(r.name);
  }
  return seen;
}

const isChoice = (graph: NetGraph, name: string): boolean => graph.layers.get(name)?.className === "choice";

/**
 * A topological order of `names` that always takes the smallest available name
 * next (Kahn's algorithm). Adding or removing a layer nothing else depends on
 * leaves the relative order of all other layers unchanged.
 */
export function canonicalOrder(graph: NetGraph, names: ReadonlySet<string>): string[] {
  const pending = new Map<string, Set<string>>();
  for (const name of names) {
    pending.set(
      name,
      new Set(dependencies(graph.layers.get(name)!).filter((d) => names.has(d) && d !== name)),
    );
  }
  const order: string[] = [];
  while (pending.size > 0) {
    let next: string | undefined;
    for (const [name, deps] of pending)
      if (deps.size === 0 && (next === undefined || name < next)) next = name;
    if (next === undefined) break; // a cycle: graph.ts reports those before we get here
    order.push(next);
    pending.delete(next);
    for (const deps of pending.values()) deps.delete(next);
  }
  return order;
}
