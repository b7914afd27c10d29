/**
 * Net dict → validated layer graph. Everything a user can get wrong in the
 * network is reported here, before any computation: unknown classes and
 * options (with did-you-mean), bad option values, dangling references, cycles.
 * The input dict is never mutated.
 */
import { z } from "zod";
import { type ExternSpec, normalizeExternData } from "../config/extern-data.js";
import { type CommonOptions, commonOptions, type LayerDef } from "../layers/layer.js";
import { lstmCellOf } from "../layers/lstm-unit.js";
import { layerClass } from "../layers/registry.js";
import { lossClass } from "../losses/index.js";
import { didYouMean, ReproError } from "../util/errors.js";

/** A reference as written in `from` or an option, resolved to what it points at. */
export type Ref =
  | { kind: "layer"; name: string } // a layer of the same (sub)network
  | { kind: "base"; name: string } // a layer of the enclosing network
  | { kind: "prev"; name: string } // a unit layer at the previous step
  | { kind: "extern"; key: string }; // extern data (`data`, `data:classes`)

export interface LayerNode {
  readonly name: string;
  /** Full path: "output/dec_01_att_query0". */
  readonly path: string;
  readonly className: string;
  readonly def: LayerDef;
  readonly opts: CommonOptions & Record<string, unknown>;
  readonly sources: readonly Ref[];
  /** Refs from options other than `from` (e.g. generic_attention's `weights`), by option value. */
  readonly extraRefs: ReadonlyMap<string, Ref>;
  /** For `rec`: the unit subnetwork. */
  readonly unit?: NetGraph;
}

export interface NetGraph {
  readonly layers: ReadonlyMap<string, LayerNode>;
  /** Path prefix of this (sub)network: "" at the top, "output/" inside the `output` rec unit. */
  readonly prefix: string;
  readonly isUnit: boolean;
}

export type { ExternSpec } from "../config/extern-data.js";

/** extern_data in any RETURNN form (see config/extern-data.ts) → {dim, sparse} per key, sorted. */
export function parseExternData(raw: unknown, file: string): Map<string, ExternSpec> {
  if (raw === undefined)
    throw new ReproError(`${file}: "extern_data" is missing (e.g. {"data": {"dim": 24, "sparse": true}})`);
  return normalizeExternData(raw, file);
}

function zodMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length > 0 ? `option "${issue.path.join(".")}": ` : "";
  if (issue.code === "unrecognized_keys") return `unknown option "${issue.keys[0]}"`;
  return `${where}${issue.message}`;
}

/** RETURNN's default target (`ExternData.default_target`): the config key `target`, else "classes". */
export function defaultTargetOf(config: Record<string, unknown>, file: string): string {
  const t = config.target ?? "classes";
  if (typeof t !== "string") throw new ReproError(`${file}: "target" must be a data key (a string)`);
  return t;
}

/**
 * Parses a net dict (recursively for rec units) and checks references and
 * cycles. A layer with a `loss` and no `target` gets `defaultTarget`, as in
 * RETURNN's `LayerBase.transform_config_dict`.
 */
export function parseNetwork(
  raw: unknown,
  file: string,
  externs: ReadonlyMap<string, ExternSpec>,
  defaultTarget = "classes",
  prefix = "",
): NetGraph {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ReproError(
      `${file}: ${prefix ? `layer "${prefix.slice(0, -1)}": "unit"` : '"network"'} must be a dict of layers`,
    );
  }
  const dict = raw as Record<string, unknown>;
  for (const [name, layer] of Object.entries(dict))
    checkNoPythonValue(layer, `${file}: layer "${prefix}${name}"`, "");
  if (prefix === "") externs = withRegisteredExterns(dict, file, externs);
  const layers = new Map<string, LayerNode>();
  const graph: NetGraph = { layers, prefix, isUnit: prefix !== "" };
  // As RETURNN's construct_from_dict without search_flag: `only_on_search` layers are not built.
  const searchOnly = (name: string) =>
    (dict[name] as { only_on_search?: unknown } | null)?.only_on_search === true;
  const names = Object.keys(dict).sort();
  for (const name of names.filter((n) => !searchOnly(n)))
    layers.set(name, parseLayer(name, dict[name], file, externs, graph, defaultTarget));
  for (const node of layers.values()) checkNoSearchOnlyRefs(node, names.filter(searchOnly), file);
  // A unit is checked with its enclosing network complete: `base:` may name any layer there.
  if (prefix === "") checkGraph(graph, undefined, file, externs);
  return graph;
}

/** References and cycles of a (sub)network, then of the units in it. */
function checkGraph(
  graph: NetGraph,
  parent: NetGraph | undefined,
  file: string,
  externs: ReadonlyMap<string, ExternSpec>,
): void {
  for (const node of graph.layers.values()) checkRefs(node, graph, parent, file, externs);
  checkCycles(graph, file);
  for (const node of graph.layers.values()) if (node.unit) checkGraph(node.unit, graph, file, externs);
}

/**
 * `repronet import` writes what it cannot express as data (a Python function
 * as `eval`, an object) as a "<python: ...>" marker: an error naming the
 * option, before anything else reads it. A rec unit is checked when parsed.
 */
function checkNoPythonValue(value: unknown, where: string, option: string): void {
  if (typeof value === "string" && value.startsWith("<python: "))
    throw new ReproError(
      `${where}: option "${option}" is ${value.slice(9, -1)} in the RETURNN config, which repronet import cannot write as data`,
    );
  if (typeof value !== "object" || value === null) return;
  for (const [k, v] of Object.entries(value))
    if (!(option === "" && k === "unit")) checkNoPythonValue(v, where, option ? `${option}/${k}` : k);
}

/**
 * extern data plus the keys top-level layers register with
 * `register_as_extern_data` (RETURNN), so targets and `data:` can name them.
 * Their dim is read from the net dict: a chain of `copy`, `postfix_in_time`
 * and `reinterpret_data` (`set_sparse_dim`, `increase_sparse_dim`) from extern data.
 */
function withRegisteredExterns(
  dict: Record<string, unknown>,
  file: string,
  externs: ReadonlyMap<string, ExternSpec>,
): ReadonlyMap<string, ExternSpec> {
  const layerOf = (name: string) => dict[name] as Record<string, unknown> | undefined;
  const specOf = (ref: unknown, depth: number, where: string): ExternSpec => {
    if (typeof ref === "string" && ref.startsWith("data:") && externs.has(ref.slice(5)))
      return externs.get(ref.slice(5))!;
    if (ref === "data" && externs.has("data")) return externs.get("data")!;
    const layer = typeof ref === "string" ? layerOf(ref) : undefined;
    const from = Array.isArray(layer?.from) && layer.from.length === 1 ? layer.from[0] : layer?.from;
    if (
      !layer ||
      depth > 16 ||
      !["copy", "postfix_in_time", "reinterpret_data"].includes(String(layer.class))
    )
      throw new ReproError(
        `${where}: register_as_extern_data: cannot tell the data's dim from "${String(ref)}" (supported: copy, postfix_in_time, reinterpret_data from extern data)`,
      );
    const spec = specOf(from ?? "data", depth + 1, where);
    if (layer.class !== "reinterpret_data") return spec;
    const set = typeof layer.set_sparse_dim === "number" ? layer.set_sparse_dim : spec.dim;
    const inc = typeof layer.increase_sparse_dim === "number" ? layer.increase_sparse_dim : 0;
    return { ...spec, dim: set + inc };
  };
  let out: Map<string, ExternSpec> | undefined;
  for (const name of Object.keys(dict).sort()) {
    const key = layerOf(name)?.register_as_extern_data;
    if (typeof key !== "string") continue;
    const where = `${file}: layer "${name}"`;
    if (externs.has(key) || out?.has(key))
      throw new ReproError(`${where}: register_as_extern_data: data key "${key}" exists already`);
    out ??= new Map(externs);
    out.set(key, specOf(name, 0, where));
  }
  return out ?? externs;
}

/** Top-level layers that register their output as extern data: [key, layer name], by layer name. */
export function registeredExterns(graph: NetGraph): [string, string][] {
  return [...graph.layers.values()].flatMap((n) =>
    typeof n.opts.register_as_extern_data === "string"
      ? [[n.opts.register_as_extern_data, n.name] as [string, string]]
      : [],
  );
}

/** A layer built in training cannot read an `only_on_search` layer, which training never builds. */
function checkNoSearchOnlyRefs(node: LayerNode, searchOnly: readonly string[], file: string): void {
  for (const ref of [...node.sources, ...node.extraRefs.values()]) {
    if ((ref.kind === "layer" || ref.kind === "prev") && searchOnly.includes(ref.name))
      throw new ReproError(
        `${file}: layer "${node.path}" reads layer "${node.path.slice(0, node.path.length - node.name.length)}${ref.name}", which has only_on_search: true and so is not built in training`,
      );
  }
}

function parseLayer(
  name: string,
  raw: unknown,
  file: string,
  externs: ReadonlyMap<string, ExternSpec>,
  graph: NetGraph,
  defaultTarget: string,
): LayerNode {
  const path = `${graph.prefix}${name}`;
  const where = `${file}: layer "${path}"`;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new ReproError(`${where}: must be a dict`);
  const dict = raw as Record<string, unknown>;
  if (typeof dict.class !== "string") throw new ReproError(`${where}: missing "class"`);
  const def = layerClass(dict.class, where);
  // A string unit names an LSTM cell: an unknown one is reported when the network is parsed.
  if (dict.class === "rec" && typeof dict.unit === "string") lstmCellOf(dict.unit, where, false);
  const allowed = { ...commonOptions, ...def.options };
  for (const key of Object.keys(dict)) {
    if (!(key in allowed)) {
      throw new ReproError(
        `${where}: unknown option "${key}" for class "${dict.class}"${didYouMean(key, Object.keys(allowed))}`,
      );
    }
  }
  const parsed = z.object(allowed).strict().safeParse(dict);
  if (!parsed.success) throw new ReproError(`${where}: ${zodMessage(parsed.error)}`);
  if (graph.isUnit && dict.register_as_extern_data !== undefined)
    throw new ReproError(`${where}: register_as_extern_data is only supported for top-level layers`);
  const parsedOpts = withDefaultTarget(
    parsed.data as CommonOptions & Record<string, unknown>,
    defaultTarget,
    where,
  );
  // RETURNN takes a missing n_out from the target's dim (as the loss sizes it: ctc adds the blank).
  const externDim = parsedOpts.target !== undefined ? externs.get(parsedOpts.target)?.dim : undefined;
  const autoDim = parsedOpts.loss === undefined ? undefined : lossClass(parsedOpts.loss, where).autoOutputDim;
  const targetDim = externDim !== undefined && autoDim ? autoDim(externDim) : externDim;
  const opts =
    parsedOpts.n_out === undefined && targetDim !== undefined
      ? { ...parsedOpts, n_out: targetDim }
      : parsedOpts;
  // A rec with a dict unit reads its sources through the unit; an LSTM rec reads "data" by default.
  const isSubnetRec = dict.class === "rec" && typeof opts.unit === "object";
  const from =
    opts.from === undefined
      ? def.allowNoSources && (dict.class !== "rec" || isSubnetRec)
        ? []
        : ["data"]
      : typeof opts.from === "string"
        ? [opts.from]
        : opts.from;
  if (from.length === 0 && !def.allowNoSources)
    throw new ReproError(`${where}: needs at least one source in "from"`);
  const sources = from.map((r) => parseRef(r, where, graph));
  const extraRefs = new Map<string, Ref>();
  for (const r of def.refs?.(opts as never) ?? []) extraRefs.set(r, parseRef(r, where, graph));
  const initialLayer = initialOutputLayer(opts.initial_output, where);
  if (initialLayer !== undefined) extraRefs.set(initialLayer, parseRef(initialLayer, where, graph));
  const unit = isSubnetRec ? parseNetwork(opts.unit, file, externs, defaultTarget, `${path}/`) : undefined;
  return { name, path, className: dict.class, def, opts, sources, extraRefs, unit };
}

/**
 * A loss without a `target` takes the network's default target (RETURNN).
 * Deliberate difference: a loss that reads no target (`as_is`) stays without
 * one, so its normalisation and the extern data it needs do not change.
 */
function withDefaultTarget<T extends CommonOptions>(opts: T, defaultTarget: string, where: string): T {
  if (!opts.loss || opts.target !== undefined || !lossClass(opts.loss, where).needsTarget) return opts;
  return { ...opts, target: defaultTarget };
}

/** RETURNN's `initial_output` keywords; any other string names a layer. */
const INITIAL_OUTPUT_KEYWORDS = [
  "zeros",
  "ones",
  "var",
  "apply(0)",
  "keep_over_epoch",
  "keep_over_epoch_no_init",
];

/**
 * The layer an `initial_output` names ("base:x", a layer of the enclosing
 * network, as RETURNN's get_layer resolves it), or undefined for a number or
 * keyword. A unit layer of the same step would be read before it exists: an error.
 */
export function initialOutputLayer(init: unknown, where: string): string | undefined {
  if (typeof init !== "string" || INITIAL_OUTPUT_KEYWORDS.includes(init)) return undefined;
  if (!init.startsWith("base:"))
    throw new ReproError(
      `${where}: initial_output "${init}" is neither a keyword (${INITIAL_OUTPUT_KEYWORDS.join(", ")}) nor a layer of the enclosing network ("base:${init}")`,
    );
  return init;
}

function parseRef(ref: string, where: string, graph: NetGraph): Ref {
  // Inside a rec unit, "data" is the unit's input frame (RETURNN), i.e. data:source.
  if (ref === "data") return { kind: "extern", key: graph.isUnit ? "source" : "data" };
  if (ref.startsWith("data:")) return { kind: "extern", key: ref.slice(5) };
  if (ref.startsWith("base:")) {
    if (!graph.isUnit) throw new ReproError(`${where}: "${ref}" is only valid inside a rec unit`);
    return { kind: "base", name: ref.slice(5) };
  }
  if (ref.startsWith("prev:")) {
    if (!graph.isUnit) throw new ReproError(`${where}: "${ref}" is only valid inside a rec unit`);
    return { kind: "prev", name: ref.slice(5) };
  }
  return { kind: "layer", name: ref };
}

function refsOf(node: LayerNode): Ref[] {
  return [...node.sources, ...node.extraRefs.values()];
}

function checkRefs(
  node: LayerNode,
  graph: NetGraph,
  parent: NetGraph | undefined,
  file: string,
  externs: ReadonlyMap<string, ExternSpec>,
): void {
  const where = `${file}: layer "${node.path}"`;
  const target = node.opts.target;
  if (target !== undefined && !externs.has(target)) {
    throw new ReproError(
      `${where}: option "target": unknown data key "${target}"${didYouMean(target, externs.keys())}`,
    );
  }
  checkMaxSeqLen(node, graph, where);
  for (const ref of refsOf(node)) {
    if (ref.kind === "extern") {
      if (ref.key === "source" && graph.isUnit) continue; // the unit's input frame (checked when run)
      if (!externs.has(ref.key)) {
        throw new ReproError(
          `${where}: unknown data key "data:${ref.key}"${didYouMean(ref.key, externs.keys())}`,
        );
      }
      continue;
    }
    const scope = ref.kind === "base" ? parent : graph;
    if (!scope?.layers.has(ref.name)) {
      const prefix = ref.kind === "layer" ? "" : `${ref.kind}:`;
      const by = node.sources.includes(ref) ? '"from"' : "an option";
      throw new ReproError(
        `${where}: ${by} refers to unknown layer "${prefix}${ref.name}"${didYouMean(ref.name, scope?.layers.keys() ?? [])}`,
      );
    }
  }
  for (const key of ["target"] as const) {
    const t = node.opts[key];
    if (t !== undefined && !externs.has(t)) {
      throw new ReproError(
        `${where}: option "target": unknown data key "${t}"${didYouMean(t, externs.keys())}`,
      );
    }
  }
}

/** RETURNN's `max_seq_len` expression: `max_len_from('base:x') [* a] [+ b]` (groups: base:, layer, a, b). */
export const MAX_LEN_FROM =
  /^\s*max_len_from\(\s*['"](base:)?([\w/]+)['"]\s*\)\s*(?:\*\s*([\d.]+))?\s*(?:\+\s*([\d.]+))?\s*$/;

/** A rec layer's `max_seq_len` is checked when the network is built, not first at search time. */
function checkMaxSeqLen(node: LayerNode, graph: NetGraph, where: string): void {
  const spec = node.opts.max_seq_len;
  if (typeof spec !== "string") return;
  const m = MAX_LEN_FROM.exec(spec);
  if (!m)
    throw new ReproError(
      `${where}: option "max_seq_len": unsupported "${spec}" (use a number or max_len_from('base:x') * N + M)`,
    );
  if (!graph.layers.has(m[2]))
    throw new ReproError(
      `${where}: option "max_seq_len": max_len_from refers to unknown layer "${m[1] ?? ""}${m[2]}"${didYouMean(m[2], graph.layers.keys())}`,
    );
}

/** Same-network references must form a DAG (prev: and base: edges do not count). */
function checkCycles(graph: NetGraph, file: string): void {
  const state = new Map<string, "visiting" | "done">();
  for (const start of graph.layers.keys()) {
    if (state.has(start)) continue;
    // Iterative DFS with an explicit stack (deep networks must not overflow).
    const stack: { name: string; next: number }[] = [{ name: start, next: 0 }];
    state.set(start, "visiting");
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const deps = refsOf(graph.layers.get(top.name)!).filter((r) => r.kind === "layer");
      if (top.next >= deps.length) {
        state.set(top.name, "done");
        stack.pop();
        continue;
      }
      const dep = (deps[top.next++] as { name: string }).name;
      const s = state.get(dep);
      if (s === "visiting") {
        const cycle = [...stack.slice(stack.findIndex((f) => f.name === dep)).map((f) => f.name), dep];
        throw new ReproError(
          `${file}: layers form a cycle: ${cycle.map((n) => graph.prefix + n).join(" -> ")}`,
        );
      }
      if (s === undefined) {
        state.set(dep, "visiting");
        stack.push({ name: dep, next: 0 });
      }
    }
  }
}

/** Layers whose output matters: those with a loss, marked as output, and `output`. */
export function rootLayers(graph: NetGraph): LayerNode[] {
  return [...graph.layers.values()].filter(
    (n) => n.opts.loss !== undefined || n.opts.is_output_layer || n.name === "output",
  );
}
