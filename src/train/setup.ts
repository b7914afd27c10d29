/**
 * Getting a run ready: the probe forward that creates lazily made parameters
 * and lists the losses, resuming from the newest complete checkpoint, and the
 * facts the manifest records.
 */
import { epochBatches, makeBatch } from "../data/index.js";
import { fingerprintParams } from "../diag/fingerprint.js";
import type { ParamStore } from "../network/params.js";
import type { TrainableNetwork } from "../network/types.js";
import { tidy } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import { latestCheckpoint } from "./checkpoint.js";
import type { LearningRateControl, LossInfo } from "./learning-rate.js";
import type { Log } from "./log.js";
import type { Optimizer } from "./optimizer.js";
import type { TrainSettings } from "./settings.js";

/** One forward on the first training batch: creates lazily made parameters and lists the losses. */
export function probe(net: TrainableNetwork, s: TrainSettings): LossInfo[] {
  const first = epochBatches(s.train.dataset, s.train.batching, 1).batches[0];
  if (!first) throw new ReproError("train: the dataset yields no batches");
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

export interface ResumePoint {
  /** The next epoch to train. */
  epoch: number;
  globalStep: number;
  /** The checkpoint's epoch, or null for a fresh run. */
  resumedFrom: number | null;
}

/** Loads the newest complete checkpoint in `dir`, if any: parameters, optimizer state, learning rates, step. */
export function resume(
  dir: string,
  net: TrainableNetwork,
  opt: Optimizer,
  lrc: LearningRateControl,
  s: TrainSettings,
  log: Log,
): ResumePoint {
  const ck = latestCheckpoint(dir);
  if (!ck) return { epoch: 1, globalStep: 0, resumedFrom: null };
  if (ck.state.randomSeed !== s.randomSeed)
    throw new ReproError(
      `${ck.path}: trained with random_seed ${ck.state.randomSeed}, the config says ${s.randomSeed}`,
    );
  if (ck.state.dataPosition.batch !== 0)
    throw new ReproError(`${ck.path}: resuming within an epoch is not supported yet`);
  const have = new Set(net.params.list().map((p) => p.name));
  for (const name of have) if (!ck.params.has(name)) throw new ReproError(`${ck.path}: no parameter ${name}`);
  for (const [name, p] of ck.params) {
    if (!have.has(name)) throw new ReproError(`${ck.path}: parameter ${name} is not in the network`);
    net.params.load(name, p.data, p.shape);
  }
  opt.load(ck.state.optimizer);
  lrc.load(ck.state.learningRates as Parameters<LearningRateControl["load"]>[0]);
  log.v(3, `resuming from ${ck.path} (epoch ${ck.epoch}, step ${ck.state.globalStep})`);
  return { epoch: ck.state.dataPosition.epoch, globalStep: ck.state.globalStep, resumedFrom: ck.epoch };
}

/** The seeds the manifest records: config, parameters, data order and content per dataset. */
export function seedsOf(net: TrainableNetwork, s: TrainSettings): Record<string, unknown> {
  const data = (d: TrainSettings["train"] | null) =>
    d && { order_seed: d.batching.seed, dataset: d.dataset.seed ?? null };
  return { random_seed: s.randomSeed, params: net.params.seed, train: data(s.train), dev: data(s.dev) };
}

/** JSON replacer: non-finite numbers as strings ("NaN", "Infinity"), which LearningRateControl.load reads back. */
export const finiteJson = (_: string, v: unknown): unknown =>
  typeof v === "number" && !Number.isFinite(v) ? String(v) : v;

/** `sha256:...` over the store's parameters: what `repronet fingerprint` prints for the saved checkpoint. */
export function fingerprintOf(params: ParamStore): string {
  return fingerprintParams(params.list().map((p) => [p.name, { shape: p.value.shape, data: p.value.f32 }]))
    .digest;
}
