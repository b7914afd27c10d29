/**
 * How a parameter's initial value is seeded (`param_init_seeding`):
 *
 * - `"keyed"` (default): from the keyed stream named after the parameter, so
 *   its value depends on (random_seed, full name, shape, initializer) only.
 * - `"returnn"`: as RETURNN on TF1 (and PyTorch) do it, from the position of
 *   the owning layer in RETURNN's construction order: the k-th layer built
 *   draws its parameters from stream k (TF1 seeds each op from the graph's op
 *   count). Adding, removing or renaming a layer, or giving one a loss, can
 *   move later layers in that order and so change their initial values —
 *   the effect behind the original report. Offered to reproduce it, not to train with.
 *
 * RETURNN's construction order (TFNetwork.construct_from_dict): the layer
 * names sorted; each root (`output`, a layer with a loss, `is_output_layer`)
 * is constructed when reached, after its dependencies (its `from` in order,
 * then option references, then for a rec layer the `base:` layers its unit
 * reads), recursively; a rec layer's unit is constructed right after the rec
 * layer by the same rule. Layers no root needs are never constructed.
 */
import { ReproError } from "../util/errors.js";
import type { LayerNode, NetGraph } from "./graph.js";

export interface ParamSeeding {
  readonly name: "keyed" | "returnn";
  /** The keyed-stream name a parameter's initial value is drawn from. */
  streamName(param: string): string;
}

export const KEYED_SEEDING: ParamSeeding = { name: "keyed", streamName: (param) => param };

const isRoot = (n: LayerNode) =>
  n.name === "output" || n.opts.loss !== undefined || n.opts.is_output_layer === true;

/** Full layer paths in RETURNN's construction order (see the module comment). */
export function returnnConstructionOrder(graph: NetGraph): string[] {
  const order: string[] = [];
  constructScope(graph, order, () => {});
  return order;
}

function constructScope(graph: NetGraph, order: string[], constructInParent: (name: string) => void): void {
  const done = new Set<string>();
  const construct = (name: string): void => {
    const node = graph.layers.get(name);
    if (!node || done.has(name)) return;
    done.add(name);
    for (const r of [...node.sources, ...node.extraRefs.values()]) {
      if (r.kind === "layer") construct(r.name);
      else if (r.kind === "base") constructInParent(r.name);
    }
    if (node.unit) for (const name of unitBaseRefs(node.unit)) construct(name);
    order.push(node.path);
    if (node.unit) constructScope(node.unit, order, construct);
  };
  for (const name of [...graph.layers.keys()].sort()) if (isRoot(graph.layers.get(name)!)) construct(name);
}

function unitBaseRefs(unit: NetGraph): string[] {
  return [...unit.layers.values()].flatMap((n) =>
    [...n.sources, ...n.extraRefs.values()].flatMap((r) => (r.kind === "base" ? [r.name] : [])),
  );
}

/** `"returnn"` seeding for a graph: stream `returnn-seeding/<k>/<local name>` for the k-th constructed layer's parameters. */
export function returnnSeeding(graph: NetGraph): ParamSeeding {
  const index = new Map(returnnConstructionOrder(graph).map((path, k) => [path, k]));
  return {
    name: "returnn",
    streamName(param) {
      // The owner is the longest layer path that prefixes the parameter name.
      for (let cut = param.lastIndexOf("/"); cut > 0; cut = param.lastIndexOf("/", cut - 1)) {
        const k = index.get(param.slice(0, cut));
        if (k !== undefined) return `returnn-seeding/${k}/${param.slice(cut + 1)}`;
      }
      return `returnn-seeding/-/${param}`;
    },
  };
}

/** The seeding a config asks for (`param_init_seeding`, default "keyed"). */
export function seedingFromConfig(
  config: Record<string, unknown>,
  graph: NetGraph,
  file: string,
): ParamSeeding {
  const v = config.param_init_seeding ?? "keyed";
  if (v === "keyed") return KEYED_SEEDING;
  if (v === "returnn") return returnnSeeding(graph);
  throw new ReproError(`${file}: param_init_seeding must be "keyed" or "returnn", got ${JSON.stringify(v)}`);
}
