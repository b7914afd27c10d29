/**
 * `rec` in search: the unit runs step by step. Each step sees the previous
 * step's labels as `prev:<choice>`, the enclosing network's layers tiled to
 * batch·beam rows, and its own carried layer state (self-attention keys and
 * values), which is reordered whenever the beam re-ranks hypotheses.
 */
import type { LayerState } from "../layers/layer.js";
import { attachLastHiddenState } from "../layers/lstm-unit.js";
import { Beams } from "../search/beam.js";
import * as ops from "../tensor/ops/index.js";
import { keep, Tensor, tensorsIn, tidy } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import { batchDim, Data, type Dim, timeDim } from "./data.js";
import { type LayerNode, MAX_LEN_FROM, type NetGraph } from "./graph.js";
import {
  baseTimeDim,
  initialConstant,
  initialOutputs,
  loopLayers,
  loopMemo,
  prevRead,
  stateStore,
} from "./rec-loop.js";
import { type ParentScope, Scope } from "./run.js";

export interface SearchSettings {
  readonly beamSize?: number;
  /** Filled by the search: the best hypothesis per batch entry and its score. */
  result?: { labels: Int32Array[]; scores: number[] };
}

/** Repeats each batch entry of `data` K times along axis 0 (rows b·K + k), time lengths included. */
function tileBatch(data: Data, K: number, dims: Map<Dim, Dim>): Data {
  const B = data.dims[0]?.kind === "batch" ? data.dims[0].size : 0;
  if (B === 0) return data; // no batch axis (a constant): nothing to tile
  const index = new Tensor(
    [B * K],
    Int32Array.from({ length: B * K }, (_, i) => Math.floor(i / K)),
  );
  const value = data.sparse ? gatherInt(data.value, index) : ops.gather(data.value, index, 0);
  const tiled = data.dims.map((d) => {
    let t = dims.get(d);
    if (!t) {
      t =
        d.kind === "batch"
          ? batchDim(B * K)
          : d.lengths
            ? timeDim(
                Int32Array.from({ length: B * K }, (_, i) => d.lengths![Math.floor(i / K)]),
                d.name,
                d.loop,
              )
            : d;
      dims.set(d, t);
    }
    return t;
  });
  return new Data(value, tiled, data.sparseDim, data.logits && ops.gather(data.logits, index, 0));
}

/** Row gather for int32 tensors (no gradient needed in search). */
function gatherInt(x: Tensor, rows: Tensor): Tensor {
  const inner = x.size / x.shape[0];
  const src = x.i32;
  const idx = rows.i32;
  const out = new Int32Array(idx.length * inner);
  for (let i = 0; i < idx.length; i++) out.set(src.subarray(idx[i] * inner, (idx[i] + 1) * inner), i * inner);
  return new Tensor([idx.length, ...x.shape.slice(1)], out);
}

/**
 * RETURNN's `max_seq_len` per batch entry: a number, or
 * `max_len_from('base:x') [* a] [+ b]` evaluated on each sequence's own length
 * (not the batch maximum), so a hypothesis never depends on its batch.
 */
function maxSteps(spec: unknown, parent: ParentScope, batch: number, where: string): Int32Array {
  if (spec === undefined) throw new ReproError(`${where}: search needs "max_seq_len" on the rec layer`);
  if (typeof spec === "number") return new Int32Array(batch).fill(spec);
  const m = MAX_LEN_FROM.exec(String(spec));
  if (!m) {
    throw new ReproError(
      `${where}: unsupported max_seq_len "${spec}" (use a number or max_len_from('base:x') * N + M)`,
    );
  }
  const x = parent.get(m[2]);
  const t = x.timeAxis;
  if (t < 0) throw new ReproError(`${where}: max_len_from('${m[2]}'): the layer has no time axis`);
  const lengths = x.dims[t].lengths ?? new Int32Array(batch).fill(x.dims[t].size);
  return Int32Array.from(lengths, (l) => Math.ceil(l * Number(m[3] ?? 1) + Number(m[4] ?? 0)));
}

export function runRecSearch(node: LayerNode, parent: Scope): Data {
  const where = `${parent.env.file}: layer "${node.path}"`;
  const unit = node.unit!;
  const choice = unit.layers.get("output");
  if (choice?.className !== "choice")
    throw new ReproError(`${where}: search needs a choice layer named "output" in the unit`);
  const K = parent.env.search?.beamSize ?? (choice.opts.beam_size as number);
  const scoresFrom = choice.sources[0];
  if (choice.sources.length !== 1 || scoresFrom.kind !== "layer") {
    throw new ReproError(
      `${where}: the choice layer needs one source in the unit (the output probabilities)`,
    );
  }
  const initial = initialConstant(choice.opts.initial_output);
  if (initial === undefined || !Number.isInteger(initial))
    throw new ReproError(`${where}: the choice layer's initial_output must be a label (an integer)`);
  const B = [...parent.externs.values()][0].dims[0].size;
  if (node.opts.cheating === true)
    throw new ReproError(
      `${where}: rec option "cheating": true (decode for the reference length) is not supported in search; use the choice layer's "cheating"`,
    );
  const limits = maxSteps(node.opts.max_seq_len, parent, B, where);
  const steps = Math.max(0, ...limits);

  // The enclosing network as the unit sees it: every layer tiled to B·K rows.
  const tiledDims = new Map<Dim, Dim>();
  const tiled = new Map<string, Data>();
  const base: ParentScope = {
    get: (name) => {
      let d = tiled.get(name);
      if (!d) {
        d = keepData(tileBatch(parent.get(name), K, tiledDims));
        tiled.set(name, d);
      }
      return d;
    },
    pathOf: (name) => parent.pathOf(name),
  };

  const beams = new Beams(B, K);
  const cheating = choice.opts.cheating ? goldLabels(parent, choice, where) : undefined;
  const rows = batchDim(B * K);
  let prevLabels = keep(new Tensor([B * K], new Int32Array(B * K).fill(initial)));
  const labelData = () => new Data(prevLabels, [rows], choice.opts.n_out as number | undefined);
  const states = new Map<string, Tensor[]>();
  const stateOf = (path: string): LayerState => ({
    get: () => states.get(path),
    set: (tensors) =>
      states.set(
        path,
        tensors.map((t) => keep(t)),
      ),
  });
  // Values layers make once per loop (LayerContext.rec.perLoop) outlive the steps' scopes.
  const loopTensors: Tensor[] = [];
  const perLoop = loopMemo((v) => {
    for (const x of tensorsIn(v)) loopTensors.push(keep(x));
  });
  // Layers read with prev: (other than the choice): their last output is carried like state.
  let carried = recurrentInitialOutputs(node, parent, base, rows, labelData);
  /** prev:x of an LSTM layer comes with its state after the previous step (for get_last_hidden_state). */
  const withState = (name: string, d: Data): Data => {
    const st = states.get(`${unit.prefix}${name}`);
    return st?.length === 2 ? attachLastHiddenState(d, st[0], st[1]) : d;
  };
  // Layers that read this step's choice (the label embedding, the decoder state
  // fed by it) run after the choice, in the new beam order; they read the
  // layers before the choice ("frontier") and prev: values reordered likewise.
  const followers = sameStepFollowers(unit, [...carried.keys()], "output");
  const frontier = [...followers].flatMap((n) =>
    [...unit.layers.get(n)!.sources, ...unit.layers.get(n)!.extraRefs.values()].flatMap((r) =>
      r.kind === "layer" && !followers.has(r.name) && r.name !== "output" ? [r.name] : [],
    ),
  );

  for (let t = 0; t < steps && !beams.allFinished; t++) {
    const previousStates = new Map(states);
    const { labels, from, outputs, before } = tidy(() => {
      const prev = (name: string): Data =>
        name === "output" ? labelData() : withState(name, carried.get(name)!);
      const scope = parent.child(unit, new Map(), (name) => prev(name), base, { index: t, stateOf, perLoop });
      const probs = scope.get(scoresFrom.name);
      const logProbs = probs.logits ? ops.logSoftmax(probs.logits) : ops.log(probs.value);
      if (logProbs.rank !== 2)
        throw new ReproError(
          `${where}: choice input must be [batch, classes] per step, got (${probs.describe()})`,
        );
      const keepOf = (names: readonly string[]) =>
        new Map(names.map((name) => [name, keepData(scope.get(name))]));
      const outputs = keepOf([...carried.keys()].filter((n) => !followers.has(n)));
      const step = beams.advance(
        logProbs.f32,
        logProbs.shape[1],
        cheating?.(t),
        choice.opts.cheating === "exclusive",
      );
      return { ...step, outputs, before: keepOf(frontier) };
    });
    // Carry state and labels to the next step in the new beam order.
    const order = new Tensor([B * K], from);
    for (const [path, tensors] of states) {
      states.set(
        path,
        tensors.map((x) => keep(ops.gather(x, order, 0))),
      );
      for (const x of tensors) x.dispose();
    }
    for (const tensors of previousStates.values()) for (const x of tensors) if (!x.isDisposed) x.dispose();
    const reordered = (m: ReadonlyMap<string, Data>) =>
      new Map([...m].map(([name, d]) => [name, reorderRows(d, order)]));
    const carriedBefore = reordered(carried);
    const frontierNow = reordered(before);
    const next = reordered(outputs);
    for (const d of [...carried.values(), ...outputs.values(), ...before.values()]) disposeData(d);
    carried = next;
    prevLabels.dispose();
    prevLabels = keep(new Tensor([B * K], labels));
    if (followers.size > 0) {
      const statesBefore = new Map(states);
      const after = tidy(() => {
        const prev = (name: string): Data =>
          name === "output" ? labelData() : withState(name, carriedBefore.get(name)!);
        const scope = parent.child(unit, new Map(), prev, base, { index: t, stateOf, perLoop });
        scope.provide("output", labelData());
        for (const [name, d] of frontierNow) scope.provide(name, d);
        return new Map(
          [...followers].filter((n) => carriedBefore.has(n)).map((name) => [name, keepData(scope.get(name))]),
        );
      });
      for (const [name, d] of after) carried.set(name, d);
      // State the followers replaced (the decoder LSTM's) is no longer needed.
      for (const [path, tensors] of statesBefore)
        if (states.get(path) !== tensors) for (const x of tensors) if (!x.isDisposed) x.dispose();
    }
    for (const d of [...carriedBefore.values(), ...frontierNow.values()]) disposeData(d);
    for (let b = 0; b < B; b++) if (t + 1 >= limits[b]) beams.finish(b);
  }
  for (const tensors of states.values()) for (const x of tensors) x.dispose();
  for (const x of loopTensors) x.dispose();
  for (const d of carried.values()) disposeData(d);
  for (const d of tiled.values()) disposeData(d);
  prevLabels.dispose();

  const best = beams.best(choice.opts.length_normalization !== false);
  if (parent.env.search) parent.env.search.result = best;
  const T = Math.max(1, ...best.labels.map((l) => l.length));
  const out = new Int32Array(B * T);
  best.labels.forEach((l, b) => {
    out.set(l, b * T);
  });
  const time = timeDim(
    Int32Array.from(best.labels, (l) => l.length),
    `${node.path}:T`,
  );
  return new Data(new Tensor([B, T], out), [batchDim(B), time], choice.opts.n_out as number | undefined);
}

/** Keeps tiled data for the whole search; frozen, so layers derive tensors from it once. */
function keepData(d: Data): Data {
  keep(d.value);
  if (d.logits) keep(d.logits);
  d.freeze();
  return d;
}

function disposeData(d: Data): void {
  d.disposeDerived();
  d.value.dispose();
  d.logits?.dispose();
}

/** Data with its rows (axis 0, batch·beam) in the beam's new order, kept. */
function reorderRows(d: Data, order: Tensor): Data {
  const value = d.sparse ? gatherInt(d.value, order) : ops.gather(d.value, order, 0);
  return keepData(new Data(value, d.dims, d.sparseDim));
}

/**
 * `prev:x` at step 0 for every unit layer x read with `prev:` (the choice
 * aside): RETURNN's initial output, kept (see rec-loop.ts).
 */
function recurrentInitialOutputs(
  node: LayerNode,
  parent: Scope,
  base: ParentScope,
  rows: Dim,
  labels: () => Data,
): Map<string, Data> {
  const unit = node.unit!;
  const names = prevRead(
    unit,
    new Set([...unit.layers.values()].filter((n) => n.className !== "choice").map((n) => n.name)),
  );
  const baseTime = () => baseTimeDim(unit, (name) => base.get(name), parent.env.file);
  const initial = initialOutputs(
    {
      graph: unit,
      file: parent.env.file,
      base,
      params: parent.env.params,
      batch: rows,
      baseTime,
      otherPrev: () => labels(),
      probeScope: (prev, params) => {
        const env = params ? { ...parent.env, params } : parent.env;
        const probe = new Scope(unit, env, new Map(), base, prev, {
          index: 0,
          stateOf: stateStore(new Map()),
        });
        probe.provide("output", labels()); // a layer following the choice reads its labels
        return probe;
      },
    },
    names,
    loopLayers(unit),
  );
  for (const d of initial.values()) keepData(d);
  return initial;
}

/** Of `names`, and the layers between them and `choice`: those that read `choice` at the same step. */
function sameStepFollowers(unit: NetGraph, names: readonly string[], choice: string): Set<string> {
  const reads = new Map<string, boolean>();
  const readsChoice = (name: string): boolean => {
    const known = reads.get(name);
    if (known !== undefined) return known;
    reads.set(name, false); // same-step references form a DAG (graph.ts), so this only breaks revisits
    const node = unit.layers.get(name)!;
    const r = [...node.sources, ...node.extraRefs.values()].some(
      (ref) => ref.kind === "layer" && (ref.name === choice || readsChoice(ref.name)),
    );
    reads.set(name, r);
    return r;
  };
  const out = new Set<string>();
  const stack = names.filter(readsChoice);
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (out.has(n)) continue;
    out.add(n);
    const node = unit.layers.get(n)!;
    for (const ref of [...node.sources, ...node.extraRefs.values()])
      if (ref.kind === "layer" && ref.name !== choice && readsChoice(ref.name)) stack.push(ref.name);
  }
  return out;
}

/** RETURNN's `cheating`: the reference label of each batch entry at step t (end-of-sequence 0 after it). */
function goldLabels(parent: Scope, choice: LayerNode, where: string): (t: number) => Int32Array {
  const key = choice.opts.target;
  const target = key === undefined ? undefined : parent.externs.get(key);
  if (!target?.sparse || target.dims.length !== 2)
    throw new ReproError(
      `${where}: choice "cheating" needs the target "${key}" as sparse [batch, time] data in the batch`,
    );
  const [B, T] = target.value.shape;
  const lengths = target.dims[1].lengths ?? new Int32Array(B).fill(T);
  const labels = target.value.i32;
  return (t) => Int32Array.from({ length: B }, (_, b) => (t < lengths[b] ? labels[b * T + t] : 0));
}
