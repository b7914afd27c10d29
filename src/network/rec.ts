/**
 * `rec` in training and evaluation: teacher forcing over the whole target
 * sequence at once (layers on a `prev:` cycle run step by step first:
 * rec-loop.ts). The decoder steps become one extra axis (the loop axis,
 * axis 1); `prev:x` is x shifted one step along it, and `prev:<choice>` is the
 * target shifted right with the choice's `initial_output`.
 */

import { concatFeatures } from "../layers/util/align.js";
import * as ops from "../tensor/ops/index.js";
import { Tensor } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import { Data, type Dim, timeDim } from "./data.js";
import type { LayerNode } from "./graph.js";
import {
  initialConstant,
  initialFromModel,
  loopLayers,
  runLoop,
  stepSlice,
  unsupportedInitialOutput,
} from "./rec-loop.js";
import type { Scope } from "./run.js";

/**
 * The data key whose time axis the unit runs over in training: the rec's
 * `size_target` (RETURNN: "if this is set, always use it"), else its
 * `target`, else its choice layer's.
 */
function recTarget(node: LayerNode, file: string): string {
  if (typeof node.opts.size_target === "string") return node.opts.size_target;
  if (node.opts.target) return node.opts.target;
  const choice = [...node.unit!.layers.values()].find((n) => n.className === "choice" && n.opts.target);
  if (!choice?.opts.target)
    throw new ReproError(`${file}: layer "${node.path}": rec needs a "target" (or a choice layer with one)`);
  return choice.opts.target;
}

/** Int32 labels [B, T] shifted right by one step, `initial` in front. */
function shiftLabels(labels: Tensor, initial: number): Tensor {
  const [B, T] = labels.shape;
  const src = labels.i32;
  const out = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    out[b * T] = initial;
    for (let t = 1; t < T; t++) out[b * T + t] = src[b * T + t - 1];
  }
  return new Tensor(labels.shape, out);
}

/**
 * Float data shifted one step along the loop axis (axis 1): `initial` in
 * front, a constant (RETURNN's default: zeros) or one step's values.
 */
function shiftSteps(x: Data, initial: number | Tensor = 0): Data {
  if (x.loopAxis !== 1)
    throw new Error(`prev: needs data with the loop axis at axis 1, got (${x.describe()})`);
  const T = x.value.shape[1];
  const padded =
    typeof initial === "number"
      ? ops.pad(
          x.value,
          x.value.shape.map((_, i) => (i === 1 ? [1, 0] : [0, 0]) as [number, number]),
          initial,
        )
      : ops.concat([ops.expandDims(initial, 1), x.value], 1);
  return x.withValue(
    ops.slice(
      padded,
      [],
      x.value.shape.map((d, i) => (i === 1 ? T : d)),
    ),
  );
}

/**
 * True for a rec unit that runs over the frames of its `from` (no target, no
 * choice): `data:source` (or `data`) in the unit is the current frame. Search
 * runs it as training does.
 */
export function runsOverSource(node: LayerNode): boolean {
  const hasChoice = [...node.unit!.layers.values()].some((n) => n.className === "choice");
  return node.sources.length > 0 && node.opts.target === undefined && !hasChoice;
}

/** The unit's input, its frames along the loop axis (`data:source`). */
function sourceSteps(node: LayerNode, parent: Scope): { source: Data; time: Dim; loop: Dim } {
  const where = `${parent.env.file}: layer "${node.path}"`;
  const inputs = node.sources.map((r) => parent.resolve(r));
  const joined = inputs.length === 1 ? inputs[0] : concatFeatures(inputs, where);
  const x = joined instanceof Data ? joined : new Data(joined.value, joined.dims);
  if (x.dims[0]?.kind !== "batch" || x.dims[1]?.kind !== "time")
    throw new ReproError(
      `${where}: a rec unit over its input needs input [batch, time, ...], got (${x.describe()})`,
    );
  const time = x.dims[1];
  const loop = timeDim(
    time.lengths ?? new Int32Array(x.dims[0].size).fill(time.size),
    `${node.path}:steps`,
    true,
  );
  return { source: new Data(x.value, [x.dims[0], loop, ...x.dims.slice(2)], x.sparseDim), time, loop };
}

/** True if a unit layer reads `data:source` (or bare `data`), its input frame. */
function readsSource(node: LayerNode): boolean {
  return [...node.unit!.layers.values()].some((n) =>
    [...n.sources, ...n.extraRefs.values()].some((r) => r.kind === "extern" && r.key === "source"),
  );
}

/**
 * A rec with a target and a `from` (a language model reading the delayed
 * labels): as in RETURNN, `data:source` is the input frame at each target
 * step, so input and target must have the same lengths.
 */
function sourceAlongTarget(node: LayerNode, parent: Scope, loop: Dim): Data {
  const { source, time } = sourceSteps(node, parent);
  const lengths = time.lengths ?? new Int32Array(source.dims[0].size).fill(time.size);
  if (lengths.length !== loop.lengths!.length || lengths.some((l, b) => l !== loop.lengths![b]))
    throw new ReproError(
      `${parent.env.file}: layer "${node.path}": its input ("from") and its target differ in length ([${lengths}] vs [${loop.lengths}]); data:source in the unit needs one input frame per target step`,
    );
  return new Data(source.value, [source.dims[0], loop, ...source.dims.slice(2)], source.sparseDim);
}

export function runRecTraining(node: LayerNode, parent: Scope): Data {
  const file = parent.env.file;
  const externs = new Map(parent.externs);
  let key = "";
  let time: Dim;
  let loop: Dim;
  if (runsOverSource(node)) {
    const s = sourceSteps(node, parent);
    ({ time, loop } = s);
    externs.set("source", s.source);
  } else {
    key = recTarget(node, file);
    const target = parent.externs.get(key);
    if (target?.dims.length !== 2 || !target.sparse) {
      throw new ReproError(
        `${file}: layer "${node.path}": target "${key}" must be sparse [batch, time] data`,
      );
    }
    time = target.dims[1];
    loop = timeDim(time.lengths!, `${node.path}:steps`, true);
    externs.set(key, new Data(target.value, [target.dims[0], loop], target.sparseDim));
    if (node.sources.length > 0 && readsSource(node))
      externs.set("source", sourceAlongTarget(node, parent, loop));
  }

  const prev = (name: string, scope: Scope): Data => {
    const prevNode = scope.graph.layers.get(name)!;
    const init = prevNode.opts.initial_output;
    if (prevNode.className === "choice") {
      const initial = initialConstant(init);
      if (initial === undefined || !Number.isInteger(initial))
        throw new ReproError(
          `${file}: layer "${prevNode.path}": initial_output must be a label (an integer)`,
        );
      const t = externs.get(prevNode.opts.target ?? key)!;
      return new Data(shiftLabels(t.value, initial), t.dims, t.sparseDim);
    }
    const constant = initialConstant(init);
    if (constant !== undefined) return shiftSteps(scope.get(name), constant);
    const whole = scope.get(name);
    const step = [whole.dims[0], ...whole.dims.slice(2)];
    const fromModel = initialFromModel(prevNode, step, { file, base: parent, params: parent.env.params });
    if (fromModel) return shiftSteps(whole, fromModel.value);
    if (init !== "apply(0)") throw unsupportedInitialOutput(`${file}: layer "${prevNode.path}"`, init);
    // The layer on zero inputs: over whole sequences here, so its first step.
    return shiftSteps(scope.get(name), stepSlice(scope.appliedToZeros(name), 0).value);
  };

  const unit = parent.child(node.unit!, externs, prev);
  // A choice is the target in training (RETURNN clears its `from`): it never runs its sources.
  for (const n of node.unit!.layers.values())
    if (n.className === "choice" && n.opts.target) unit.provide(n.name, externs.get(n.opts.target)!);
  const inLoop = loopLayers(node.unit!);
  if (inLoop.size > 0) {
    const wholePrev = (name: string) => prev(name, unit);
    runLoop({ unit, parent, graph: node.unit!, loop, externs, wholePrev }, inLoop);
  }
  // The unit's output is the rec layer's output: gradients flow through it even when no unit loss reads it.
  unit.runRoots(["output"]);
  if (!node.unit!.layers.has("output"))
    throw new ReproError(`${file}: layer "${node.path}": the unit needs an "output" layer`);
  const out = unit.get("output");
  return new Data(
    out.value,
    out.dims.map((d) => (d === loop ? time : d)),
    out.sparseDim,
    out.logits,
  );
}
