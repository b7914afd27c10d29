/**
 * Truly recurrent rec units in training. The layers on a cycle through `prev:`
 * (the decoder state reading `prev:att`, `accum_att_weights` reading itself)
 * run in a loop over the decoder steps, one scope per step; everything else is
 * "moved out" (RETURNN's optimisation) and runs over the whole sequence as in
 * teacher forcing: layers the loop reads are computed before it and sliced per
 * step, layers reading the loop's outputs (the output softmax, its loss) run
 * afterwards on the loop's outputs stacked along the step axis.
 *
 * In training `prev:<choice>` is the shifted target, known in advance, so a
 * choice layer never puts anything into the loop.
 */

import type { LayerState, LoopMemo } from "../layers/layer.js";
import { isLstmLayer, withZeroState } from "../layers/lstm-unit.js";
import { zeros } from "../rng/initializers.js";
import * as ops from "../tensor/ops/index.js";
import { noGrad } from "../tensor/tape.js";
import { full, type Tensor, tidy } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import { Data, type Dim, sameDim, staticDim } from "./data.js";
import { initialOutputLayer, type LayerNode, type NetGraph, type Ref } from "./graph.js";
import { canonicalOrder } from "./order.js";
import { ParamStore } from "./params.js";
import { type ParentScope, Scope } from "./run.js";

const refsOf = (n: LayerNode): Ref[] => [...n.sources, ...n.extraRefs.values()];

/**
 * Same-step and `prev:` edges of a unit layer. A choice is the target in
 * training: it reads nothing, and `prev:` of it is known in advance.
 */
function loopEdges(unit: NetGraph, node: LayerNode): string[] {
  if (node.className === "choice") return [];
  return refsOf(node).flatMap((r) =>
    r.kind === "layer" || (r.kind === "prev" && unit.layers.get(r.name)?.className !== "choice")
      ? [r.name]
      : [],
  );
}

/** The layers of `among` that some unit layer reads with `prev:` (those need initial outputs). */
export function prevRead(unit: NetGraph, among: ReadonlySet<string>): Set<string> {
  return new Set(
    [...unit.layers.values()].flatMap((n) =>
      refsOf(n).flatMap((r) => (r.kind === "prev" && among.has(r.name) ? [r.name] : [])),
    ),
  );
}

/** The unit layers that lie on a cycle through `prev:` edges: these must run step by step. */
export function loopLayers(unit: NetGraph): Set<string> {
  const inLoop = new Set<string>();
  for (const start of unit.layers.keys()) {
    const seen = new Set<string>();
    const stack = loopEdges(unit, unit.layers.get(start)!);
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (name === start) {
        inLoop.add(start);
        break;
      }
      if (seen.has(name)) continue;
      seen.add(name);
      stack.push(...loopEdges(unit, unit.layers.get(name)!));
    }
  }
  return inLoop;
}

/** `data` at decoder step t: the loop axis sliced away (loop-invariant data is returned as is). */
export function stepSlice(data: Data, t: number): Data {
  const a = data.loopAxis;
  if (a < 0) return data;
  const shape = data.value.shape;
  const sliced = ops.slice(
    data.value,
    shape.map((_, i) => (i === a ? t : 0)),
    shape.map((d, i) => (i === a ? 1 : d)),
  );
  const value = ops.reshape(
    sliced,
    shape.filter((_, i) => i !== a),
  );
  return new Data(
    value,
    data.dims.filter((_, i) => i !== a),
    data.sparseDim,
  );
}

/** Per-step outputs [B, ...] stacked into [B, loop, ...]. */
function stack(steps: readonly Data[], loop: Dim, where: string): Data {
  const first = steps[0];
  for (const s of steps) {
    if (s.dims.length !== first.dims.length || s.dims.some((d, i) => d.size !== first.dims[i].size))
      throw new ReproError(`${where}: the output changes shape between decoder steps`);
  }
  if (first.dims[0]?.kind !== "batch")
    throw new ReproError(`${where}: a layer in the recurrent loop needs the batch as its first axis`);
  const values: Tensor[] = steps.map((s) => ops.expandDims(s.value, 1));
  return new Data(ops.concat(values, 1), [first.dims[0], loop, ...first.dims.slice(1)], first.sparseDim);
}

/** RETURNN's constant `initial_output`s ("zeros" is the default) as numbers; undefined for others. */
export function initialConstant(init: unknown): number | undefined {
  if (init === undefined || init === "zeros") return 0;
  if (init === "ones") return 1;
  return typeof init === "number" ? init : undefined;
}

const appliesToZeros = (node: LayerNode) => node.opts.initial_output === "apply(0)";

export const unsupportedInitialOutput = (where: string, init: unknown): ReproError =>
  new ReproError(
    `${where}: initial_output ${JSON.stringify(init)} is not supported (use a number, "zeros", "ones", "var", "apply(0)" or "base:<layer>")`,
  );

/** Where the initial outputs that are part of the model come from ("base:x" layers, "var" parameters). */
export interface ModelInitials {
  readonly file: string;
  /** The enclosing network (in search: its rows repeated per hypothesis). */
  readonly base: ParentScope;
  readonly params: ParamStore;
}

/**
 * RETURNN's `initial_output` "base:x" (that layer's output, with gradients) or
 * "var" (a trainable vector, zeros at first, the same for every sequence:
 * parameter `<unit>/init_<name>_var`, RETURNN's `init_%s_var`), checked against
 * one step's dims; undefined for numbers and the other keywords.
 */
export function initialFromModel(node: LayerNode, dims: readonly Dim[], o: ModelInitials): Data | undefined {
  const init = node.opts.initial_output;
  const where = `${o.file}: layer "${node.path}"`;
  const layer = initialOutputLayer(init, where);
  if (init !== "var" && layer === undefined) return undefined;
  if (isLstmLayer(node.className, node.opts.unit))
    throw new ReproError(
      `${where}: initial_output ${JSON.stringify(init)} is not supported for LSTM layers (they start from initial_state, zeros)`,
    );
  const sizes = dims.map((d) => d.size);
  if (layer === undefined) {
    if (dims.length !== 2)
      throw new ReproError(
        `${where}: initial_output "var" needs [batch, features] steps (as in RETURNN), but a step is [${sizes}]`,
      );
    const prefix = node.path.slice(0, node.path.length - node.name.length);
    const v = o.params.get(`${prefix}init_${node.name}_var`, [sizes[1]], zeros());
    return new Data(ops.broadcastTo(ops.reshape(v, [1, sizes[1]]), sizes), dims);
  }
  const d = o.base.get(layer.slice(5));
  if (d.value.dtype !== "float32" || d.value.shape.join() !== sizes.join())
    throw new ReproError(
      `${where}: initial_output "${layer}" is (${d.describe()}), but one step of this layer is [${sizes}] float32`,
    );
  return new Data(d.value, dims);
}

/**
 * The output a layer has "before step 0" (`prev:x` at t = 0): RETURNN's
 * `initial_output` — zeros by default, a number, "ones" — shaped as one
 * step's output. For "apply(0)" these zeros only stand in until
 * initialOutputs has the step's shapes.
 */
function initialOutput(node: LayerNode, dims: readonly Dim[], o: ModelInitials): Data {
  const fromModel = initialFromModel(node, dims, o);
  if (fromModel) return fromModel;
  const file = o.file;
  const init = node.opts.initial_output;
  const value = appliesToZeros(node) ? 0 : initialConstant(init);
  if (value === undefined) throw unsupportedInitialOutput(`${file}: layer "${node.path}"`, init);
  const data = new Data(
    full(
      dims.map((d) => d.size),
      value,
    ),
    dims,
  );
  // get_last_hidden_state on prev:s at step 0 reads an LSTM's initial (zero) state.
  return isLstmLayer(node.className, node.opts.unit) ? withZeroState(data) : data;
}

/**
 * One step's output dims of a layer, where they are certain without running
 * it: `out_type.shape` (a null entry is the time dim of the unit's `base:`
 * data, e.g. the encoder's, as for `accum_att_weights`), or an LSTM's
 * [B, n_out]. (`n_out` alone is not enough: a linear on [B, T_enc, F] keeps T_enc.)
 */
function declaredDims(node: LayerNode, batch: Dim, baseTime: () => Dim): Dim[] | undefined {
  const outType = node.opts.out_type as { shape?: (number | null)[] } | undefined;
  if (outType?.shape)
    return [batch, ...outType.shape.map((d): Dim => (d === null ? baseTime() : staticDim(d)))];
  if (isLstmLayer(node.className, node.opts.unit) && node.opts.n_out !== undefined)
    return [batch, staticDim(node.opts.n_out)];
  return undefined;
}

export interface LoopSetup {
  /** The unit's scope over whole sequences (teacher forcing), for moved-out layers. */
  readonly unit: Scope;
  readonly parent: Scope;
  readonly graph: NetGraph;
  readonly loop: Dim;
  /** The unit's extern data (the per-step target has the loop axis). */
  readonly externs: ReadonlyMap<string, Data>;
  /** prev:x over the whole sequence for layers outside the loop (shifted target for choices). */
  readonly wholePrev: (name: string) => Data;
}

/** The time dim of the first `base:` data a unit reads that has one (the encoder's): a null in `out_type.shape`. */
export function baseTimeDim(unit: NetGraph, get: (name: string) => Data, file: string): Dim {
  for (const n of unit.layers.values())
    for (const r of refsOf(n)) {
      if (r.kind !== "base") continue;
      const d = get(r.name);
      if (d.timeAxis >= 0) return d.dims[d.timeAxis];
    }
  throw new ReproError(
    `${file}: an out_type shape with null needs a base: layer with a time axis in the unit`,
  );
}

/** Gives a step scope the moved-out layers the loop reads, sliced at step t from their whole-sequence outputs. */
function provideMovedOut(scope: Scope, s: LoopSetup, inLoop: ReadonlySet<string>, t: number): void {
  for (const name of inLoop)
    for (const r of refsOf(s.graph.layers.get(name)!))
      if (r.kind === "layer" && !inLoop.has(r.name)) scope.provide(r.name, stepSlice(s.unit.get(r.name), t));
}

export interface InitialOutputSetup extends ModelInitials {
  readonly graph: NetGraph;
  readonly batch: Dim;
  /** The time dim a null in `out_type.shape` stands for. */
  readonly baseTime: () => Dim;
  /** `prev:x` at step 0 for layers that are not among `names` (a choice's initial labels, moved-out layers). */
  readonly otherPrev: (name: string) => Data;
  /**
   * A fresh scope at step 0 (no gradients are recorded in it) with `prev` as
   * given, for probing; with `params`, parameters go there instead of the model's.
   */
  readonly probeScope: (prev: (name: string) => Data, params?: ParamStore) => Scope;
}

/**
 * The initial outputs of `names` (layers read with `prev:`). A layer without
 * declared dims (e.g. `generic_attention`) is probed: run once at step 0,
 * without gradients, with the declared-dims initial outputs standing in for
 * `prev:` reads and, to cut the cycle, for the same-step outputs of the LSTMs
 * among `loop`. Where a probe needs another undeclared `prev:`, the shapes
 * come from RETURNN-style template iteration (see guessedStepDims).
 */
export function initialOutputs(
  o: InitialOutputSetup,
  names: ReadonlySet<string>,
  loop: ReadonlySet<string>,
): Map<string, Data> {
  const declared = new Map<string, Data>();
  for (const name of new Set([...names, ...loop])) {
    const node = o.graph.layers.get(name)!;
    const dims = declaredDims(node, o.batch, o.baseTime);
    if (dims) declared.set(name, initialOutput(node, dims, o));
  }
  const undeclared = [...names].filter((n) => !declared.has(n)).sort();
  let guessed: Map<string, Dim[]> | undefined;
  const all = new Map<string, Data>();
  for (const name of names) {
    const node = o.graph.layers.get(name)!;
    const known = declared.get(name);
    if (known) {
      all.set(name, known);
      continue;
    }
    let missing: string | undefined;
    const prev = (p: string): Data => {
      const d = declared.get(p) ?? (names.has(p) ? undefined : o.otherPrev(p));
      if (!d) {
        missing = p;
        throw new ReproError(`prev:${p} has no declared shape`);
      }
      return d;
    };
    let dims: Dim[];
    try {
      dims = probeDims(o, name, prev, declared, loop);
    } catch (e) {
      if (missing === undefined) throw e;
      guessed ??= guessedStepDims(o, undeclared, declared, loop);
      const d = guessed.get(name);
      if (!d)
        throw new ReproError(
          `${o.file}: layer "${node.path}": cannot tell the shape of "prev:${missing}" before step 0; give that layer "out_type" (e.g. {"shape": [n]})`,
        );
      dims = d;
    }
    all.set(name, initialOutput(node, dims, o));
  }
  // "apply(0)": the layer on zeros shaped as its sources at step 0 (with the
  // stand-ins above for prev: reads), with gradients for its parameters.
  for (const name of names) {
    const node = o.graph.layers.get(name)!;
    if (!appliesToZeros(node)) continue;
    const probe = o.probeScope((p) => all.get(p) ?? declared.get(p) ?? o.otherPrev(p));
    for (const [n, d] of declared) if (n !== name && loop.has(n)) probe.provide(n, d);
    const value = probe.appliedToZeros(name);
    const want = all.get(name)!;
    if (!sameDims(value.dims, want.dims))
      throw new ReproError(
        `${o.file}: layer "${node.path}": initial_output "apply(0)" gives (${value.describe()}), but a step gives (${want.describe()})`,
      );
    all.set(name, value);
  }
  return all;
}

/** One step's output dims of `name`, run once at step 0 without gradients. */
function probeDims(
  o: InitialOutputSetup,
  name: string,
  prev: (name: string) => Data,
  stand: ReadonlyMap<string, Data>,
  loop: ReadonlySet<string>,
  params?: ParamStore,
): Dim[] {
  return tidy(() =>
    noGrad(() => {
      const probe = o.probeScope(prev, params);
      for (const [n, d] of stand) if (n !== name && loop.has(n)) probe.provide(n, d);
      return [...probe.get(name).dims];
    }),
  );
}

const sameDims = (a: readonly Dim[], b: readonly Dim[]): boolean =>
  a.length === b.length && a.every((d, i) => sameDim(d, b[i]));

/**
 * The feature dim to start a layer's template from: its `n_out`, else (as
 * RETURNN's eval/combine/copy templates) that of its first source in the unit.
 */
function firstGuessDim(graph: NetGraph, name: string, seen = new Set<string>()): number {
  const node = graph.layers.get(name);
  if (!node || seen.has(name)) return 1;
  if (node.opts.n_out !== undefined) return node.opts.n_out;
  seen.add(name);
  const first = node.sources[0];
  return first && (first.kind === "layer" || first.kind === "prev")
    ? firstGuessDim(graph, first.name, seen)
    : 1;
}

/**
 * Step shapes of undeclared layers on a `prev:` cycle (e.g. `output` = eval of
 * gates reading `prev:output`), as RETURNN's rec-cell template construction
 * does: start from [B, n] (firstGuessDim), probe each layer
 * with the current guesses (parameters in a scratch store per round, dropped),
 * and repeat until no shape changes. Only a fixed point is returned: probing with
 * these shapes gives these shapes. Layers that do not settle are left out.
 */
function guessedStepDims(
  o: InitialOutputSetup,
  undeclared: readonly string[],
  declared: ReadonlyMap<string, Data>,
  loop: ReadonlySet<string>,
): Map<string, Dim[]> {
  const guess = new Map<string, Dim[]>();
  for (const name of undeclared) guess.set(name, [o.batch, staticDim(firstGuessDim(o.graph, name))]);
  const prev = (p: string): Data => {
    const known = declared.get(p);
    if (known) return known;
    const dims = guess.get(p);
    return dims
      ? new Data(
          full(
            dims.map((d) => d.size),
            0,
          ),
          dims,
        )
      : o.otherPrev(p);
  };
  for (let round = 0; round < 8; round++) {
    // Every probe of a round sees the same guesses, and parameters shaped by
    // them go to this round's scratch store (a changed guess reshapes them).
    const scratch = new ParamStore(0);
    const next = new Map<string, Dim[]>();
    for (const name of undeclared) {
      try {
        next.set(name, probeDims(o, name, prev, declared, loop, scratch));
      } catch {
        return new Map(); // a guess the layers cannot take: no template
      }
    }
    const changed = undeclared.some((name) => !sameDims(next.get(name)!, guess.get(name)!));
    for (const [name, dims] of next) guess.set(name, dims);
    if (!changed) return guess;
  }
  return new Map();
}

/** A LoopMemo over a map; `onMade` sees each new value (search keeps its tensors). */
export function loopMemo(onMade?: (value: unknown) => void): LoopMemo {
  const values = new Map<string, unknown>();
  return {
    get<T>(key: string, make: () => T): T {
      if (values.has(key)) return values.get(key) as T;
      const v = make();
      values.set(key, v);
      onMade?.(v);
      return v;
    },
  };
}

/** Carried layer state (LSTM [c, h]) per layer path, for step scopes. */
export function stateStore(states: Map<string, readonly Tensor[]>): (path: string) => LayerState {
  return (path) => ({
    get: () => states.get(path),
    set: (tensors) => {
      states.set(path, tensors);
    },
  });
}

/** Runs the loop layers step by step and hands their stacked outputs to the unit scope. */
export function runLoop(s: LoopSetup, inLoop: ReadonlySet<string>): void {
  const file = s.parent.env.file;
  const order = canonicalOrder(s.graph, inLoop);
  const steps = s.loop.size;
  if (steps === 0)
    throw new ReproError(`${file}: the recurrent loop of "${s.graph.prefix}" has no steps (empty targets)`);
  const batch = [...s.externs.values()].find((d) => d.loopAxis >= 0)!.dims[0];
  const baseTime = () => baseTimeDim(s.graph, (name) => s.parent.get(name), file);
  const stateOf = stateStore(new Map());
  // Whole-sequence inputs of the loop, computed once, before the probe's tidy scope.
  const memo = new Map<string, Data>();
  const wholePrevOf = (name: string): Data => {
    let d = memo.get(name);
    if (!d) {
      d = s.wholePrev(name);
      memo.set(name, d);
    }
    return d;
  };
  for (const name of inLoop)
    for (const r of refsOf(s.graph.layers.get(name)!)) {
      if (r.kind === "layer" && !inLoop.has(r.name)) s.unit.get(r.name);
      if (r.kind === "prev" && !inLoop.has(r.name)) wholePrevOf(r.name);
      // base: layers too: first computed inside the probe's tidy, they would be disposed while memoised.
      if (r.kind === "base") s.parent.get(r.name);
    }
  const stepExterns = (t: number) => new Map([...s.externs].map(([k, d]) => [k, stepSlice(d, t)]));
  const initial = initialOutputs(
    {
      graph: s.graph,
      file,
      base: s.parent,
      params: s.parent.env.params,
      batch,
      baseTime,
      otherPrev: (name) => stepSlice(wholePrevOf(name), 0),
      probeScope: (prev, params) => {
        const env = {
          ...s.parent.env,
          params: params ?? s.parent.env.params,
          l2: [],
          losses: [],
          computed: undefined,
        };
        const stateOf = stateStore(new Map());
        const probe = new Scope(s.graph, env, stepExterns(0), s.parent, prev, { index: 0, stateOf });
        provideMovedOut(probe, s, inLoop, 0);
        return probe;
      },
    },
    prevRead(s.graph, inLoop),
    inLoop,
  );
  const outputs = new Map<string, Data[]>([...inLoop].map((n) => [n, []]));
  const perLoop = loopMemo(); // its tensors belong to the training step's scope
  for (let t = 0; t < steps; t++) {
    const externs = stepExterns(t);
    const prev = (name: string): Data => {
      if (inLoop.has(name)) {
        return t > 0 ? outputs.get(name)![t - 1] : initial.get(name)!;
      }
      return stepSlice(wholePrevOf(name), t);
    };
    // Per-layer L2 terms are collected once (step 0), not once per step.
    const env = t === 0 ? s.parent.env : { ...s.parent.env, l2: [] };
    const scope = new Scope(s.graph, env, externs, s.parent, prev, { index: t, stateOf, perLoop });
    provideMovedOut(scope, s, inLoop, t);
    for (const name of order) outputs.get(name)!.push(scope.get(name));
  }
  for (const name of order) {
    const stacked = () => stack(outputs.get(name)!, s.loop, `${file}: layer "${s.graph.prefix}${name}"`);
    // A layer trace (env.computed) lists every layer: then all are stacked, in canonical order.
    if (s.parent.env.computed) s.unit.provide(name, stacked());
    else s.unit.provideOnDemand(name, stacked);
  }
}
