/**
 * Getting a run ready: settings, the network (of the epoch training continues
 * in), the error measure (from the full network's losses), resuming from the
 * newest complete checkpoint, the manifest, and the step reporter.
 */

import { type KernelsName, selectKernels } from "../kernels/active.js";
import type { TrainableNetwork } from "../network/types.js";
import {
  buildManifest,
  type CheckpointId,
  type CompareManifests,
  checkpointDir,
  checkpointName,
  configHash,
  fingerprintParams,
  type LoadedCheckpoint,
  latestCheckpoint,
  type Manifest,
  readLearningRates,
  readManifest,
  removeTempFiles,
  type SkippedCheckpoint,
  TrainJsonl,
  writeLearningRates,
  writeManifest,
} from "../rundir/index.js";
import { ReproError } from "../util/errors.js";
import { GradAccumulator } from "./accumulate.js";
import { DEV_BLEU_KEYS } from "./dev-bleu.js";
import { chooseErrorMeasure } from "./error-measure.js";
import { LearningRateControl } from "./learning-rate.js";
import { Log, type LogSink } from "./log.js";
import { memoryLine } from "./memory.js";
import { buildNet, carryOver, disposeNet, loadExact, type NetworkFactory } from "./networks.js";
import { type Optimizer, optimizerFromConfig } from "./optimizer.js";
import { Pretrain } from "./pretrain.js";
import { type ProgressStream, progressBarFor } from "./progress.js";
import { StepReporter } from "./report.js";
import { ScoreSums } from "./scores.js";
import { parseTrainSettings, type TrainSettings } from "./settings.js";
import { parseDiagSettings, StepDiagnostics } from "./step-diagnostics.js";

export interface TrainOptions {
  /** The resolved config (after `--set` overrides). */
  config: Record<string, unknown>;
  /** The config file, for messages and the manifest. */
  configFile: string;
  outDir: string;
  buildNetwork: NetworkFactory;
  /** `--threads`: wins over the config's `threads`. Recorded; results never depend on it. */
  threads?: number;
  /** `--kernels`: wins over the config's `kernels` (and over $REPRONET_KERNELS). */
  kernels?: KernelsName;
  /** Where log lines go (default: stdout). */
  log?: LogSink;
  /** Where the progress bar is drawn at log_verbosity 3–4 when it is a terminal (default: stderr). */
  progress?: ProgressStream | null;
  /** Seconds, for sec/step and elapsed (default: performance.now). */
  clock?: () => number;
  /** The command line, for the manifest. */
  command?: string[];
  /**
   * Aborting it (Ctrl-C, SIGTERM) saves a checkpoint at the next step boundary
   * and stops with exit code 130, or 143 when the abort reason is "SIGTERM".
   */
  signal?: AbortSignal;
  /** `--force-config`: resume although the config differs from the run's in what can affect training. */
  forceConfig?: boolean;
  /** `--repair`: rebuild a missing or corrupt manifest.json / learning_rates.json instead of refusing. */
  repair?: boolean;
  /**
   * What differs between the run's recorded manifest and this invocation's
   * (the CLI passes `repronet diff`'s rules); without it, any change of the
   * config other than num_epochs counts, named by its hash.
   */
  compareManifests?: CompareManifests;
}

/** Where training continues inside an epoch. */
export interface EpochProgress {
  epoch: number;
  batch: number;
  sums: ScoreSums;
  elapsed: number;
}

/** What the loop works on. */
export interface Run {
  readonly o: TrainOptions;
  readonly s: TrainSettings;
  readonly log: Log;
  readonly clock: () => number;
  /** OUT/checkpoints */
  readonly dir: string;
  readonly optimizer: Optimizer;
  readonly accum: GradAccumulator;
  readonly lrc: LearningRateControl;
  readonly pretrain: Pretrain | null;
  readonly report: StepReporter;
  readonly manifest: ReturnType<typeof buildManifest>;
  /** The full network's number of losses (decides RETURNN's score key names). */
  readonly numLosses: number;
  net: TrainableNetwork;
  /** The held network's dict key (pretraining); "" without pretraining. */
  netKey: string;
  globalStep: number;
  /** The next epoch to train. */
  readonly firstEpoch: number;
  /** Set when training resumes inside `firstEpoch`. */
  inside: EpochProgress | null;
  resumedFrom: CheckpointId | null;
  /** Fingerprint of the checkpoint resumed from (what a run with nothing left to do reports). */
  loadedFingerprint: string | null;
  /** Per-step fingerprints and the gradient trace (src/train/step-diagnostics.ts). */
  readonly diag: StepDiagnostics;
}

export async function startRun(o: TrainOptions): Promise<Run> {
  const s = parseTrainSettings(o.config, o.configFile, { threads: o.threads, kernels: o.kernels });
  const diagSettings = parseDiagSettings(o.config, o.configFile);
  const active = selectKernels(s.kernels, s.threads);
  const log = new Log(o.log ?? ((l) => process.stdout.write(`${l}\n`)), s.logVerbosity);
  for (const note of s.notes) log.v(2, note);
  const dir = checkpointDir(o.outDir);
  for (const f of removeTempFiles(o.outDir)) log.v(3, `removed ${f} (left by a killed writer)`);
  const skipped: SkippedCheckpoint[] = [];
  const ck = latestCheckpoint(dir, skipped);
  warnSkipped(log, skipped, ck);
  const previous = previousManifest(o, log, ck);
  if (ck && ck.state.randomSeed !== s.randomSeed)
    throw new ReproError(
      `${ck.path}: trained with random_seed ${ck.state.randomSeed}, the config says ${s.randomSeed}`,
    );
  const pos = ck?.state.dataPosition ?? { epoch: 1, batch: 0 };
  const pretrain = s.pretrain && new Pretrain(s.pretrain, o.config.network as never);
  if (pretrain) log.v(3, `pretrain: ${pretrain.numEpochs} epochs, ${s.pretrain!.description}`);

  // The network of the epoch training continues in, and the full network's losses.
  const netEpoch = Math.min(pos.epoch, Math.max(s.numEpochs, 1));
  const label = (e: number) => (pretrain?.isPretrainEpoch(e) ? `pretrain epoch ${e}` : "");
  const built = await buildNet(
    o.buildNetwork,
    o.config,
    o.configFile,
    s,
    pretrain?.netDictFor(netEpoch) ?? null,
    label(netEpoch),
  );
  if (built.memory) log.v(4, memoryLine(built.memory));
  const netKey = pretrain?.netKeyFor(netEpoch) ?? "";
  let losses = built.losses;
  if (pretrain && netKey !== pretrain.netKeyFor(Number.MAX_SAFE_INTEGER)) {
    const full = await buildNet(o.buildNetwork, o.config, o.configFile, s);
    losses = full.losses;
    disposeNet(full.net);
  }
  const measure = chooseErrorMeasure(s.lr, losses, s.dev !== null, s.devBleuEvery > 0 ? DEV_BLEU_KEYS : []);
  if (measure.key === null && s.lr.control !== "constant")
    throw new ReproError(
      `${o.configFile}: set learning_rate_control_error_measure (${measure.reason}; losses: ${losses.map((l) => l.name).join(", ")})`,
    );
  const lrc = new LearningRateControl(s.lr);
  lrc.errorKey = measure.key;
  const clock = o.clock ?? (() => performance.now() / 1000);
  const optimizer = optimizerFromConfig(s.optimizer, o.configFile);
  const accum = new GradAccumulator();
  if (ck) resume(ck, { net: built.net, netEpoch, pretrain, optimizer, accum, lrc, log, s, o });
  const manifest = buildManifest({
    config: o.config,
    configPath: o.configFile,
    kernels: active.name,
    threads: s.threads,
    seeds: seedsOf(built.net, s),
    errorMeasure: measure,
    command: o.command,
    resumedFrom: ck?.epoch ?? null,
    resumedFromCheckpoint: ck ? checkpointName(ck.id) : null,
    previous,
  });
  if (ck && previous) checkChanges(o, log, previous, manifest);
  writeManifest(o.outDir, manifest);
  log.v(
    3,
    `learning-rate control ${s.lr.control}, error measure ${measure.key ?? "none"} (${measure.reason})`,
  );
  if (s.schedule.kind !== "constant" || s.schedule.warmupSteps > 0)
    log.v(3, `learning-rate schedule: ${s.schedule.description}`);
  const globalStep = ck?.state.globalStep ?? 0;
  const report = new StepReporter(
    log,
    { everyNSteps: s.logEveryNSteps, zeroScaledLosses: s.logZeroScaledLosses, accumulate: s.accumulate },
    new TrainJsonl(o.outDir, globalStep),
    progressBarFor(o.progress === undefined ? process.stderr : o.progress, s.logVerbosity),
  );
  const progress = ck?.state.epochProgress;
  return {
    o,
    s,
    log,
    clock,
    dir,
    optimizer,
    accum,
    lrc,
    pretrain,
    report,
    manifest,
    numLosses: losses.length,
    net: built.net,
    netKey,
    globalStep,
    firstEpoch: pos.epoch,
    inside:
      pos.batch > 0 && progress
        ? {
            epoch: pos.epoch,
            batch: pos.batch,
            sums: ScoreSums.fromJSON(progress.sums),
            elapsed: progress.elapsed,
          }
        : null,
    resumedFrom: ck?.id ?? null,
    loadedFingerprint: ck ? fingerprintParams(ck.params).digest : null,
    diag: new StepDiagnostics(diagSettings, o.outDir, globalStep),
  };
}

/**
 * Loads a checkpoint: optimizer state, accumulated gradients, learning rates,
 * and the parameters — exactly, or (when the checkpoint was written by another
 * pretrain network than the one of the epoch training continues in) by name,
 * as the network change would have done in the run that never stopped.
 */
function resume(
  ck: LoadedCheckpoint,
  t: {
    net: TrainableNetwork;
    netEpoch: number;
    pretrain: Pretrain | null;
    optimizer: Optimizer;
    accum: GradAccumulator;
    lrc: LearningRateControl;
    log: Log;
    s: TrainSettings;
    o: TrainOptions;
  },
): void {
  const { state } = ck;
  t.optimizer.load(state.optimizer);
  t.accum.load(state.accumulated);
  t.lrc.load(state.learningRates as Parameters<LearningRateControl["load"]>[0]);
  const saved = learningRatesOf(t.o, t.log, ck);
  if (saved) t.lrc.loadVolatileMeta(saved);
  else if (saved === null) writeLearningRates(t.o.outDir, t.lrc.toJSON());
  const pos = state.dataPosition;
  const where = pos.batch > 0 ? `epoch ${pos.epoch}, step ${pos.batch}` : `end of epoch ${ck.epoch}`;
  t.log.v(3, `resuming from ${ck.path} (${where}, global step ${state.globalStep})`);
  // The checkpoint's network: the one of the epoch it was written in.
  const ckNetEpoch = state.dataPosition.batch > 0 ? state.dataPosition.epoch : ck.epoch;
  const changed = t.pretrain && t.pretrain.netKeyFor(ckNetEpoch) !== t.pretrain.netKeyFor(t.netEpoch);
  const name = `${t.pretrain?.isPretrainEpoch(t.netEpoch) ? "pretrain " : ""}epoch ${t.netEpoch}`;
  if (changed) carryOver(ck.params, t.net, t, name);
  else loadExact(ck.params, t.net.params, ck.path);
}

/** The seeds the manifest records: config, parameters, data order and content per dataset. */
export function seedsOf(net: TrainableNetwork, s: TrainSettings): Record<string, unknown> {
  const data = (d: TrainSettings["train"] | null) =>
    d && { order_seed: d.batching.seed, dataset: d.dataset.seed ?? null };
  const out: Record<string, unknown> = {
    random_seed: s.randomSeed,
    params: net.params.seed,
    param_init_seeding: net.params.seeding.name,
    train: data(s.train),
    dev: data(s.dev),
  };
  for (const e of s.evals) if (e.name !== "dev") out[e.name] = data(e);
  return out;
}

/** Says which newer checkpoints were skipped and why (they are corrupt or incomplete). */
function warnSkipped(log: Log, skipped: SkippedCheckpoint[], ck: LoadedCheckpoint | null): void {
  if (skipped.length === 0) return;
  const from = ck ? `resuming from the older ${ck.path}` : "no checkpoint loads: starting from scratch";
  for (const k of skipped) log.v(0, `warning: skipping checkpoint ${k.path}: ${k.reason}`);
  log.v(0, `warning: ${from}`);
}

/**
 * The run's manifest before this invocation. Missing while the run has a
 * checkpoint, or corrupt at all, it is an error unless --repair (which starts
 * a new history and says so).
 */
function previousManifest(o: TrainOptions, log: Log, ck: LoadedCheckpoint | null): Manifest | null {
  let problem: string;
  try {
    const m = readManifest(o.outDir);
    if (m || !ck) return m;
    problem = `${o.outDir}/manifest.json: missing, but the run has checkpoints`;
  } catch (e) {
    if (!(e instanceof ReproError)) throw e;
    problem = e.message;
  }
  if (!o.repair) throw new ReproError(`${problem}; rerun with --repair to rebuild it`);
  log.v(0, `repair: ${problem}: rebuilt from this invocation (the history of earlier invocations is lost)`);
  return null;
}

/**
 * The learning-rate history file of a run resumed after a finished epoch:
 * the saved history, or null when --repair rebuilds it from the checkpoint;
 * missing or corrupt without --repair, an error. Undefined when the run has
 * no finished epoch yet (there is no file to expect).
 */
function learningRatesOf(o: TrainOptions, log: Log, ck: LoadedCheckpoint): unknown {
  let problem: string;
  try {
    const h = readLearningRates(o.outDir);
    if (h !== "missing") return h;
    if (ck.state.epoch < 1) return undefined;
    problem = `${o.outDir}/learning_rates.json: missing, but the run has finished epochs`;
  } catch (e) {
    if (!(e instanceof ReproError)) throw e;
    problem = e.message;
  }
  if (!o.repair) throw new ReproError(`${problem}; rerun with --repair to rebuild it from ${ck.path}`);
  log.v(0, `repair: ${problem}: rebuilt from ${ck.path} (learning rates and scores; times are lost)`);
  return null;
}

/** Refuses a config that differs from the run's in what can affect training (unless --force-config). */
function checkChanges(o: TrainOptions, log: Log, previous: Manifest, now: Manifest): void {
  const changes = (o.compareManifests ?? compareConfigHashes)(previous, now);
  if (changes.config.length > 0 && !o.forceConfig)
    throw new ReproError(
      `${o.configFile}: differs from the config ${o.outDir} was trained with: ${changes.config[0]}` +
        `${changes.config.length > 1 ? ` (and ${changes.config.length - 1} more)` : ""}; ` +
        "use --force-config to continue with it anyway",
    );
  const all = [...changes.config, ...changes.environment];
  if (all.length > 0)
    log.v(
      2,
      `note: resuming with changes since the last invocation that can affect training: ${all.join(", ")} ` +
        "(steps from here on may differ from a run that never stopped)",
    );
}

/** The fallback comparison: the config's hash, num_epochs aside (more epochs is how a run is continued). */
const compareConfigHashes: CompareManifests = (previous, now) => {
  const without = (m: Manifest) => configHash({ ...(m.config.resolved as object), num_epochs: undefined });
  const [a, b] = [without(previous), without(now)];
  return { config: a === b ? [] : [`config ${a} → ${b}`], environment: [] };
};
