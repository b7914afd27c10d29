/**
 * The training loop (nanoGPT-sized): epochs of batches, one update per batch,
 * dev scores and a checkpoint after each epoch. Everything that decides a
 * number is a pure function of (config, epoch, global step): data order of
 * (seed, epoch), dropout of (seed, layer, step), parameters of their names —
 * so two runs agree bit for bit, and a run resumed from a checkpoint (which
 * stores the step, optimizer state and learning-rate history) is the run that
 * never stopped.
 */
import { join } from "node:path";
import { epochBatches, makeBatch } from "../data/index.js";
import { buildManifest, configHash, writeManifest } from "../diag/manifest.js";
import { kernels } from "../kernels/active.js";
import type { TrainableNetwork } from "../network/types.js";
import { writeFileAtomic } from "../util/atomic.js";
import { ReproError } from "../util/errors.js";
import { checkpointDir, saveCheckpoint } from "./checkpoint.js";
import { chooseErrorMeasure, LearningRateControl } from "./learning-rate.js";
import {
  formatEpochLine,
  formatEvalLine,
  formatFloat64,
  formatStepLine,
  hms,
  Log,
  type LogSink,
} from "./log.js";
import { type Optimizer, optimizerFromConfig } from "./optimizer.js";
import { evaluate, ScoreSums, stepCosts } from "./scores.js";
import { parseTrainSettings, type TrainSettings } from "./settings.js";
import { fingerprintOf, finiteJson, probe, resume, seedsOf } from "./setup.js";
import { trainStep } from "./step.js";

/** Builds the network a config describes (the CLI's default is `buildNetwork` from src/network/build.ts). */
export type NetworkFactory = (
  config: Record<string, unknown>,
  file: string,
) => TrainableNetwork | Promise<TrainableNetwork>;

export interface TrainOptions {
  /** The resolved config (after `--set` overrides). */
  config: Record<string, unknown>;
  /** The config file, for messages and the manifest. */
  configFile: string;
  outDir: string;
  buildNetwork: NetworkFactory;
  /** `--threads`: wins over the config's `threads`. Recorded; results never depend on it. */
  threads?: number;
  /** Where log lines go (default: stdout). */
  log?: LogSink;
  /** Seconds, for sec/step and elapsed (default: performance.now). */
  clock?: () => number;
  /** The command line, for the manifest. */
  command?: string[];
}

export interface TrainResult {
  /** Last epoch trained (or found trained). */
  epoch: number;
  globalStep: number;
  /** Epoch of the checkpoint training resumed from, or null. */
  resumedFrom: number | null;
  /** `sha256:...` over the final parameters (what `repronet fingerprint` prints). */
  fingerprint: string;
}

/** What the loop works on. */
interface Run {
  readonly o: TrainOptions;
  readonly s: TrainSettings;
  readonly net: TrainableNetwork;
  readonly optimizer: Optimizer;
  readonly lrc: LearningRateControl;
  readonly log: Log;
  readonly clock: () => number;
  globalStep: number;
}

export async function train(o: TrainOptions): Promise<TrainResult> {
  const s = parseTrainSettings(o.config, o.configFile, { threads: o.threads });
  const log = new Log(o.log ?? ((l) => process.stdout.write(`${l}\n`)), s.logVerbosity);
  for (const note of s.notes) log.v(2, note);
  const net = await o.buildNetwork(o.config, o.configFile);
  const run: Run = {
    o,
    s,
    net,
    optimizer: optimizerFromConfig(s.optimizer, o.configFile),
    lrc: new LearningRateControl(s.lr),
    log,
    clock: o.clock ?? (() => performance.now() / 1000),
    globalStep: 0,
  };
  const losses = probe(net, s);
  const measure = chooseErrorMeasure(s.lr, losses, s.dev !== null);
  if (measure.key === null && s.lr.control !== "constant")
    throw new ReproError(
      `${o.configFile}: set learning_rate_control_error_measure (${measure.reason}; losses: ${losses.map((l) => l.name).join(", ")})`,
    );
  run.lrc.errorKey = measure.key;
  const start = resume(checkpointDir(o.outDir), net, run.optimizer, run.lrc, s, log);
  run.globalStep = start.globalStep;
  const manifest = {
    config: o.config,
    configPath: o.configFile,
    kernels: kernels().name,
    threads: s.threads,
  };
  writeManifest(
    o.outDir,
    buildManifest({
      ...manifest,
      seeds: seedsOf(net, s),
      errorMeasure: measure,
      command: o.command,
      resumedFrom: start.resumedFrom,
    }),
  );
  log.v(
    3,
    `learning-rate control ${s.lr.control}, error measure ${measure.key ?? "none"} (${measure.reason})`,
  );

  for (let epoch = start.epoch; epoch <= s.numEpochs; epoch++) {
    const lr = run.lrc.learningRateFor(epoch);
    log.v(3, `start epoch ${epoch} with learning rate ${formatFloat64(lr)}`);
    const t0 = run.clock();
    const scores = trainEpoch(run, epoch, lr);
    finishEpoch(run, epoch, scores, run.clock() - t0);
  }
  if (start.epoch > s.numEpochs)
    log.v(2, `nothing to do: ${o.outDir} already holds epoch ${start.epoch - 1} (num_epochs ${s.numEpochs})`);
  return {
    epoch: Math.max(start.epoch - 1, s.numEpochs),
    globalStep: run.globalStep,
    resumedFrom: start.resumedFrom,
    fingerprint: fingerprintOf(net.params),
  };
}

/** One pass over the epoch's batches, one update each; returns the epoch's train scores. */
function trainEpoch(run: Run, epoch: number, lr: number): ScoreSums {
  const { s, net, log, clock } = run;
  const plan = epochBatches(s.train.dataset, s.train.batching, epoch);
  if (plan.batches.length === 0)
    throw new ReproError(
      `${run.o.configFile}: train: epoch ${epoch} has no batches (all sequences skipped?)`,
    );
  const sums = new ScoreSums();
  const t0 = clock();
  plan.batches.forEach((seqs, i) => {
    const t = clock();
    const where = `epoch ${epoch}, step ${i}`;
    const params = net.params.list();
    const batch = () => makeBatch(s.train.dataset, seqs);
    const r = trainStep(net, params, run.optimizer, batch, {
      lr,
      step: run.globalStep,
      clip: s.gradientClip,
      where,
    });
    if (net.params.list().length !== params.length)
      throw new Error(`internal: ${where}: the network created parameters during a training step`);
    sums.add(r.losses);
    run.globalStep++;
    if (i % s.logEveryNSteps === 0 || i === plan.batches.length - 1) {
      const { costs, errors } = stepCosts(r.losses, s.logZeroScaledLosses);
      const timing = {
        secPerStep: clock() - t,
        elapsed: clock() - t0,
        complete: (i + 1) / plan.batches.length,
      };
      log.v(5, formatStepLine({ epoch, step: i, costs, errors, loss: r.loss, ...timing }));
    }
  });
  log.v(3, `train epoch ${epoch}, finished after ${plan.batches.length} steps, ${hms(clock() - t0)} elapsed`);
  return sums;
}

/** Summary lines, dev scores, the learning-rate history, and the checkpoint (state first, then parameters). */
function finishEpoch(run: Run, epoch: number, train: ScoreSums, elapsed: number): void {
  const { s, o, net, lrc, log } = run;
  log.v(1, formatEpochLine(epoch, train.costs(), train.errors(), elapsed));
  const dev = s.dev ? evaluate(net, s.dev, epoch, run.globalStep) : null;
  if (dev) log.v(1, formatEvalLine(epoch, "dev", dev.costs(), dev.errors()));
  lrc.setScores(epoch, { ...train.scores("train"), ...dev?.scores("dev") }, { steps: train.steps });
  const history = JSON.parse(JSON.stringify(lrc.toJSON(), finiteJson));
  writeFileAtomic(join(o.outDir, "learning_rates.json"), `${JSON.stringify(history, null, 2)}\n`);
  if (epoch % s.saveInterval !== 0 && epoch !== s.numEpochs) return;
  const state = {
    epoch,
    globalStep: run.globalStep,
    dataPosition: { epoch: epoch + 1, batch: 0 },
    randomSeed: s.randomSeed,
    optimizer: run.optimizer.state(),
    learningRates: history,
    configHash: configHash(o.config),
  };
  const params = net.params
    .list()
    .map((p): [string, { shape: readonly number[]; data: Float32Array }] => [
      p.name,
      { shape: p.value.shape, data: p.value.f32 },
    ]);
  log.v(3, `Save model under ${saveCheckpoint(checkpointDir(o.outDir), params, state)}`);
}
