/**
 * Decoder cross-attention as Transformer configs write it — `dot` (key ·
 * query energies) → `softmax_over_spatial` → `dropout` (optional) →
 * `generic_attention` — computed by one fused op (`crossAttention`) instead
 * of four layers with their masks, transposes and copies. Values and
 * gradients are bit for bit those of the layers (test/network/fuse-attention.test.ts),
 * so fusing is invisible in results; it only saves time.
 *
 * A chain fuses when nothing but the chain reads its inner layers (no loss,
 * no output, no other reference) and, at run time, when its data has the
 * layout of the teacher-forced decoder: key and value [B, T_enc, H, d], the
 * query [B, steps, H, d] with the rec loop axis. Anything else — step-by-step
 * search, a recurrent loop, a layer trace — runs the layers as usual.
 * REPRONET_FUSE_ATTENTION=0 turns fusion off (for A/B measurements).
 */
import { type AxisSpec, resolveAxes } from "../layers/util/axes.js";
import { crossAttention, type DropoutNoise } from "../tensor/ops/index.js";
import { Data, type Dim } from "./data.js";
import { type LayerNode, MAX_LEN_FROM, type NetGraph, type Ref } from "./graph.js";

/** One fusable chain of a graph. */
export interface AttentionChain {
  readonly dot: LayerNode;
  readonly softmax: LayerNode;
  readonly dropout?: LayerNode;
  readonly attention: LayerNode;
  /** The layers the fused op replaces (dot, softmax, dropout), never computed when it runs. */
  readonly inner: readonly LayerNode[];
}

/** What the runner hands the fused computation: its scope's lookups. */
export interface ChainScope {
  readonly train: boolean;
  resolve(ref: Ref): Data;
  /** True when `name` (a same-scope layer) is computed already: resolving it changes no order. */
  has(name: string): boolean;
  /** The dropout draws of `node` (its context's `dropoutUniform`). */
  dropoutUniform(node: LayerNode, purpose: string): DropoutNoise;
}

let enabled = process.env.REPRONET_FUSE_ATTENTION !== "0";

/** Turns fusion on or off (tests compare both); returns the previous setting. */
export function setAttentionFusion(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

export const attentionFusion = (): boolean => enabled;

const chainsOf = new WeakMap<NetGraph, ReadonlyMap<string, AttentionChain>>();

/** The fusable chains of `graph`, by the name of their `dot` layer. */
export function attentionChains(graph: NetGraph): ReadonlyMap<string, AttentionChain> {
  let chains = chainsOf.get(graph);
  if (!chains) {
    chains = findChains(graph);
    chainsOf.set(graph, chains);
  }
  return chains;
}

function findChains(graph: NetGraph): Map<string, AttentionChain> {
  const readers = readerCounts(graph);
  const layerRef = (r: Ref | undefined) => (r?.kind === "layer" ? graph.layers.get(r.name) : undefined);
  const onlySource = (n: LayerNode) => (n.sources.length === 1 ? layerRef(n.sources[0]) : undefined);
  const out = new Map<string, AttentionChain>();
  for (const attention of graph.layers.values()) {
    if (attention.className !== "generic_attention") continue;
    const weights = layerRef(attention.extraRefs.get(attention.opts.weights as string));
    const dropout = weights?.className === "dropout" ? weights : undefined;
    const softmax = dropout ? onlySource(dropout) : weights;
    if (softmax?.className !== "softmax_over_spatial") continue;
    const dot = onlySource(softmax);
    if (dot?.className !== "dot" || dot.sources.length !== 2 || dot.opts.add_var2_if_empty) continue;
    const inner = dropout ? [dot, softmax, dropout] : [dot, softmax];
    if (!inner.every((n) => readers.get(n.name) === 1 && onlyComputed(n))) continue;
    if (dot.opts.dropout || softmax.opts.dropout) continue; // input dropout on the energies: not fused
    const axis = softmax.opts.axis;
    if (axis !== undefined && axis !== "T" && axis !== "t") continue;
    if (dropout && !fullNoise(dropout.opts.dropout_noise_shape)) continue;
    out.set(dot.name, { dot, softmax, dropout, attention, inner });
  }
  return out;
}

/** A layer whose output only its readers see: no loss, no output role, no L2, no extern data. */
const onlyComputed = (n: LayerNode): boolean =>
  n.opts.loss === undefined &&
  !n.opts.is_output_layer &&
  n.name !== "output" &&
  n.opts.register_as_extern_data === undefined &&
  n.opts.L2 === undefined &&
  !n.opts.only_on_search;

/** Independent draws for every element (RETURNN's {"*": None}, or no noise shape at all). */
const fullNoise = (spec: Readonly<Record<string, number | null>> | undefined): boolean =>
  spec === undefined || Object.entries(spec).every(([k, v]) => k === "*" && v === null);

/** How often each layer of `graph` is read: `from`, option refs, `prev:`, nested units' `base:`, max_len_from. */
function readerCounts(graph: NetGraph): Map<string, number> {
  const counts = new Map<string, number>();
  const read = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  const refs = (n: LayerNode) => [...n.sources, ...n.extraRefs.values()];
  for (const node of graph.layers.values()) {
    for (const r of refs(node)) if (r.kind === "layer" || r.kind === "prev") read(r.name);
    for (const inner of node.unit?.layers.values() ?? [])
      for (const r of refs(inner)) if (r.kind === "base") read(r.name);
    const maxLen =
      typeof node.opts.max_seq_len === "string" ? MAX_LEN_FROM.exec(node.opts.max_seq_len) : null;
    if (maxLen) read(maxLen[2]);
  }
  return counts;
}

/** [batch, time or loop, static, static], dense float32. */
function headsLayout(d: Data, loop: boolean): boolean {
  const [b, t, h, f] = d.dims;
  return (
    d.dims.length === 4 &&
    !d.sparse &&
    d.value.dtype === "float32" &&
    b.kind === "batch" &&
    t.kind === "time" &&
    (t.loop === true) === loop &&
    h.kind === "static" &&
    f.kind === "static"
  );
}

const sameList = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

const sameLengths = (a: Dim, b: Dim): boolean =>
  a === b ||
  (a.size === b.size &&
    a.lengths !== undefined &&
    b.lengths !== undefined &&
    sameList(Array.from(a.lengths), Array.from(b.lengths)));

/**
 * The chain's output, computed by the fused op — or null when its data is not
 * in the layout the op handles (the caller then runs the layers).
 */
export function fusedChain(chain: AttentionChain, scope: ChainScope): Data | null {
  const { dot, attention } = chain;
  const baseRef = attention.extraRefs.get(attention.opts.base as string)!;
  if (baseRef.kind === "layer" && !scope.has(baseRef.name)) return null;
  const [a, b] = dot.sources.map((r) => scope.resolve(r));
  const value = scope.resolve(baseRef);
  const axes = dotAxes(dot, a, b);
  if (!axes) return null;
  // The source with the loop axis is the query (either order: the products commute).
  const queryFirst = a.loopAxis >= 0;
  const [query, key] = queryFirst ? [a, b] : [b, a];
  const want = queryFirst ? [[3], [3], [], [1]] : [[3], [3], [1], []];
  if (!headsLayout(query, true) || !headsLayout(key, false) || !headsLayout(value, false)) return null;
  if (![axes.red1, axes.red2, axes.var1, axes.var2].every((x, i) => sameList(x, want[i]))) return null;
  const [B, , H, dk] = key.value.shape;
  const fits =
    query.value.shape[0] === B &&
    value.value.shape[0] === B &&
    query.value.shape[2] === H &&
    value.value.shape[2] === H &&
    query.value.shape[3] === dk &&
    sameLengths(value.dims[1], key.dims[1]);
  if (!fits) return null;
  const rate = chain.dropout?.opts.dropout ?? 0;
  const out = crossAttention(query.value, key.value, value.value, {
    qLengths: query.dims[1].lengths,
    kLengths: key.dims[1].lengths,
    factor: chain.softmax.opts.energy_factor as number | undefined,
    dropout:
      scope.train && rate > 0 ? { rate, uniform: scope.dropoutUniform(chain.dropout!, "input") } : undefined,
  });
  // generic_attention's dims: the weights' batch, loop and head dims (the dot's first source's), the value's feature.
  return new Data(out, [a.dims[0], query.dims[1], a.dims[2], value.dims[3]]);
}

/** The dot layer's axes as it resolves them; null where it would fail (it then reports the error itself). */
function dotAxes(dot: LayerNode, a: Data, b: Data) {
  const o = dot.opts as unknown as Record<"red1" | "red2" | "var1" | "var2", AxisSpec>;
  try {
    return {
      red1: resolveAxes(a, o.red1, dot.path),
      red2: resolveAxes(b, o.red2, dot.path),
      var1: resolveAxes(a, o.var1, dot.path),
      var2: resolveAxes(b, o.var2, dot.path),
    };
  } catch {
    return null;
  }
}
