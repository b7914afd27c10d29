/**
 * Building the network a config (or a pretrain step) describes, and moving
 * state across a network change. RETURNN rebuilds graph, session and optimizer
 * when the pretrain network changes, so Adam's moments are lost; here
 * parameters are copied by full name (a new one keeps its keyed initial value,
 * which does not depend on which other layers exist), and the optimizer state
 * of parameters that persist is kept — or forgotten with
 * `pretrain_reset_optimizer: true`. The log says which.
 */
import { epochBatches, makeBatch } from "../data/index.js";
import type { ParamStore } from "../network/params.js";
import type { TrainableNetwork } from "../network/types.js";
import type { NamedParam } from "../rundir/index.js";
import { tidy } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import type { GradAccumulator } from "./accumulate.js";
import type { LossInfo } from "./error-measure.js";
import type { Log } from "./log.js";
import { checkStepMemory, type MemoryEstimate } from "./memory.js";
import type { Optimizer } from "./optimizer.js";
import type { CopyParamMode, NetDict } from "./pretrain.js";
import type { TrainSettings } from "./settings.js";
import { copyWithNewSplitAxes, splitForShape } from "./split-axes.js";

/** Builds the network a config describes (the CLI's default is `buildNetwork` from src/network/network.ts). */
export type NetworkFactory = (
  config: Record<string, unknown>,
  file: string,
) => TrainableNetwork | Promise<TrainableNetwork>;

export interface Built {
  net: TrainableNetwork;
  /** Its losses, from one forward on the first training batch. */
  losses: LossInfo[];
  /** Its memory need for the largest batch (checked before the first real batch runs). */
  memory: MemoryEstimate | null;
}

/**
 * Builds the network of `config` (with `netDict` as its network, for a
 * pretrain step), checks that its largest batch fits in memory, and probes it.
 */
export async function buildNet(
  factory: NetworkFactory,
  config: Record<string, unknown>,
  file: string,
  s: TrainSettings,
  netDict: NetDict | null = null,
  label = "",
): Promise<Built> {
  const where = label ? `${file} (${label})` : file;
  const net = await factory(netDict ? { ...config, network: netDict } : config, where);
  const memory = checkStepMemory(net, s, where);
  return { net, losses: probe(net, s), memory };
}

/** One forward on the first training batch: creates lazily made parameters and lists the losses. */
export function probe(net: TrainableNetwork, s: TrainSettings): LossInfo[] {
  const plan = epochBatches(s.train.dataset, s.train.batching, 1);
  const first = plan.batches[0];
  if (!first) {
    const why =
      plan.skipped > 0
        ? `max_seq_length skips all ${plan.skipped} sequences of epoch 1`
        : "it has no sequences in epoch 1";
    throw new ReproError(`train: the dataset yields no batches (${why})`);
  }
  const reports = tidy(() => net.forward(makeBatch(s.train.dataset, first), { train: true, step: 0 }).losses);
  if (!net.params.list().some((p) => p.trainable))
    throw new ReproError("the network has no trainable parameters");
  if (!reports.some((l) => l.inObjective))
    throw new ReproError("the network has no loss in the objective (every loss has scale 0?)");
  return reports.map((l) => ({
    name: l.name,
    scale: l.scale,
    inObjective: l.inObjective,
    hasValue: l.value !== null,
    hasError: l.error !== undefined,
  }));
}

/** The parameters' current values by name (views, not copies). */
export function paramsOf(net: TrainableNetwork): Map<string, NamedParam> {
  return new Map(net.params.list().map((p) => [p.name, { shape: p.value.shape, data: p.value.f32 }]));
}

/** Frees a network that is no longer used. */
export function disposeNet(net: TrainableNetwork): void {
  for (const p of net.params.list()) p.value.dispose();
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** Loads a checkpoint's parameters into a network that must have exactly these parameters. */
export function loadExact(from: ReadonlyMap<string, NamedParam>, to: ParamStore, where: string): void {
  const have = new Set(to.list().map((p) => p.name));
  for (const name of have) if (!from.has(name)) throw new ReproError(`${where}: no parameter ${name}`);
  for (const [name, p] of from) {
    if (!have.has(name)) throw new ReproError(`${where}: parameter ${name} is not in the network`);
    try {
      to.load(name, p.data, p.shape);
    } catch (e) {
      // ParamStore names the parameter and both shapes; the checkpoint file is known here.
      throw e instanceof ReproError ? new ReproError(`${where}: ${e.message}`) : e;
    }
  }
}

export interface CopyReport {
  copied: string[];
  /** In the new network only: keep their initial value. */
  fresh: string[];
  /** In the old network only. */
  dropped: string[];
  /** Same name, other shape, left at the initial value (copy_param_mode "ifpossible"). */
  reshaped: string[];
  /** Same name, other shape, old values copied block by block into the initial value (copy_param_mode "subset"). */
  subset: string[];
}

/** Copies parameters by name; a shape change is an error unless `mode` says what to do. */
export function copyParams(
  from: ReadonlyMap<string, NamedParam>,
  to: ParamStore,
  mode: CopyParamMode,
  where: string,
): CopyReport {
  const r: CopyReport = { copied: [], fresh: [], dropped: [], reshaped: [], subset: [] };
  const target = new Map(to.list().map((p) => [p.name, p]));
  for (const [name, p] of target) {
    const old = from.get(name);
    if (!old) r.fresh.push(name);
    else if (sameShape(old.shape, p.value.shape)) {
      to.load(name, old.data, old.shape);
      r.copied.push(name);
    } else if (mode === "ifpossible") r.reshaped.push(name);
    else if (mode === "subset") {
      copySubset(name, old, to, where);
      r.subset.push(name);
    } else
      throw new ReproError(
        `${where}: parameter ${name} changes shape from [${old.shape}] to [${p.value.shape}] (set pretrain copy_param_mode: "ifpossible" to re-initialise it)`,
      );
  }
  for (const name of from.keys()) if (!target.has(name)) r.dropped.push(name);
  return r;
}

/** RETURNN's "subset" copy of one parameter: old blocks into the new value's blocks (src/train/split-axes.ts). */
function copySubset(name: string, old: NamedParam, to: ParamStore, where: string): void {
  const value = to.list().find((p) => p.name === name)!.value;
  const what = `${where}: copy_param_mode "subset": parameter ${name} [${old.shape}] → [${value.shape}]`;
  if (old.shape.length !== value.shape.length) throw new ReproError(`${what}: the number of axes changes`);
  const split = to.splitOf(name);
  if (!split)
    throw new ReproError(
      `${what}: its layer does not say how its axes are made of blocks, so it cannot be copied`,
    );
  const data = value.f32.slice();
  copyWithNewSplitAxes(splitForShape(split, old.shape, what), split, old.data, data);
  to.load(name, data, value.shape);
}

/**
 * Moves training state onto a new network: parameters by name from `from`,
 * optimizer state and accumulated gradients of the persisting parameters kept
 * (or the optimizer reset), and a log line that says what happened.
 */
export function carryOver(
  from: ReadonlyMap<string, NamedParam>,
  to: TrainableNetwork,
  t: { optimizer: Optimizer; accum: GradAccumulator; log: Log; s: TrainSettings },
  what: string,
): void {
  const r = copyParams(from, to.params, t.s.pretrain?.copyParamMode ?? null, what);
  const names = new Set(r.copied);
  t.accum.retain(names);
  let opt: string;
  if (t.s.pretrainResetOptimizer) {
    t.optimizer.reset();
    opt = "optimizer state reset (pretrain_reset_optimizer)";
  } else {
    const n = t.optimizer.retain(names);
    opt = `optimizer state of ${n} persisting parameters kept (pretrain_reset_optimizer: true resets it)`;
  }
  const list = (xs: string[]) =>
    xs.length === 0 ? "" : ` (${xs.slice(0, 5).join(", ")}${xs.length > 5 ? ", ..." : ""})`;
  t.log.v(
    3,
    `${what}: network changed: ${r.copied.length} parameters copied, ${r.fresh.length} new${list(r.fresh)}, ${r.dropped.length} dropped${list(r.dropped)}${r.reshaped.length ? `, ${r.reshaped.length} re-initialised${list(r.reshaped)}` : ""}${r.subset.length ? `, ${r.subset.length} copied into a new shape (subset)${list(r.subset)}` : ""}; ${opt}`,
  );
}
