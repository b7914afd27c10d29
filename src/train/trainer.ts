/**
 * The training loop (nanoGPT-sized): epochs of batches, an update every
 * `accum_grad_multiple_step` batches, dev scores and a checkpoint after each
 * epoch. Everything that decides a number is a pure function of (config,
 * epoch, global step): data order of (seed, epoch), dropout of (seed, layer,
 * step), parameters of their names, the network of a pretrain epoch of the
 * config — so two runs agree bit for bit, and a run resumed from a checkpoint
 * (which stores the step, optimizer state, accumulated gradients and
 * learning-rate history, and inside an epoch its scores so far) is the run
 * that never stopped.
 */
import { epochBatches, makeBatch } from "../data/index.js";
import {
  acquireLock,
  type CheckpointId,
  checkpointName,
  configHash,
  deleteCheckpoint,
  deleteSuperseded,
  fingerprintParams,
  finishManifest,
  finiteJson,
  listCheckpoints,
  type StepFingerprint,
  saveBroken,
  saveCheckpoint,
  type TrainState,
  writeLearningRates,
} from "../rundir/index.js";
import { ReproError } from "../util/errors.js";
import { epochsToDelete } from "./cleanup.js";
import { devBleu, devBleuScores } from "./dev-bleu.js";
import { formatEpochLine, formatEvalLine, formatFloat64, hms } from "./log.js";
import { memoryLine } from "./memory.js";
import { buildNet, carryOver, disposeNet, paramsOf } from "./networks.js";
import { evaluate, ScoreSums } from "./scores.js";
import { type EpochProgress, type Run, startRun, type TrainOptions } from "./setup.js";
import { forwardBackward, NonFiniteError, type StepOutcome } from "./step.js";
import { EpochTiming } from "./timing.js";

export type { NetworkFactory } from "./networks.js";
export type { TrainOptions } from "./setup.js";

export interface TrainResult {
  /** Last epoch trained (or found trained). */
  epoch: number;
  globalStep: number;
  /** Epoch of the checkpoint training resumed from, or null. */
  resumedFrom: number | null;
  /** `sha256:...` over the final parameters (what `repronet fingerprint` prints). */
  fingerprint: string;
}

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT), after saving a checkpoint. */
export const INTERRUPTED_EXIT_CODE = 130;
/** Exit code of a run stopped by SIGTERM (128 + 15), after saving a checkpoint. */
export const TERMINATED_EXIT_CODE = 143;

/** A run stopped by a signal after saving what it could: the manifest records it as `interrupted`. */
export class Interrupted extends ReproError {}

/**
 * Trains on `o.outDir`, holding its lock from start to end: a second writer
 * fails at once, and the lock goes on every exit path.
 */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const lock = acquireLock(o.outDir);
  try {
    if (lock.note) (o.log ?? ((l) => process.stdout.write(`${l}\n`)))(lock.note);
    return await trainLocked(o);
  } finally {
    lock.release();
  }
}

async function trainLocked(o: TrainOptions): Promise<TrainResult> {
  const run = await startRun(o);
  const { s, log } = run;
  try {
    if (o.signal?.aborted) throw interrupted(run, null);
    for (let epoch = run.firstEpoch; epoch <= s.numEpochs; epoch++) {
      await useNetworkOf(run, epoch);
      const lr = epochLearningRate(run, epoch);
      log.v(3, `start ${epochName(run, epoch)} with learning rate ${formatFloat64(lr)}`);
      // Its own clock: a test's fake `clock` counts calls; under one, timing reads a stopped clock.
      const timing = new EpochTiming(o.clock ? () => 0 : undefined);
      const { sums, elapsed } = await trainEpoch(run, epoch, lr, timing);
      finishEpoch(run, epoch, sums, elapsed, timing);
    }
    if (run.firstEpoch > s.numEpochs)
      log.v(
        2,
        `nothing to do: ${o.outDir} already holds epoch ${run.firstEpoch - 1} (num_epochs ${s.numEpochs})`,
      );
    stopped(run, "finished");
  } catch (e) {
    stopped(run, e instanceof Interrupted ? "interrupted" : "failed");
    throw e;
  } finally {
    run.report.close();
    run.diag.close();
  }
  return {
    epoch: Math.max(run.firstEpoch - 1, s.numEpochs),
    globalStep: run.globalStep,
    resumedFrom: run.resumedFrom?.epoch ?? null,
    fingerprint:
      run.firstEpoch > s.numEpochs && run.loadedFingerprint
        ? run.loadedFingerprint
        : fingerprintParams(paramsOf(run.net)).digest,
  };
}

/** One pass over the epoch's batches (from where a checkpoint left off); returns its train scores. */
async function trainEpoch(run: Run, epoch: number, lr: number, timing: EpochTiming) {
  const { s, clock } = run;
  const batches = timing.time("data", () => epochBatches(s.train.dataset, s.train.batching, epoch).batches);
  const n = batches.length;
  if (n === 0)
    throw new ReproError(
      `${run.o.configFile}: train: epoch ${epoch} has no batches (all sequences skipped?)`,
    );
  const from = run.inside ?? { epoch, batch: 0, sums: new ScoreSums(), elapsed: 0 };
  run.inside = null;
  const { sums } = from;
  const t0 = clock() - from.elapsed;
  const prefix = run.pretrain?.isPretrainEpoch(epoch) ? "pretrain" : "train";
  run.report.startEpoch(prefix, epoch, n, from.batch, t0 + from.elapsed);
  for (let i = from.batch; i < n; i++) {
    const t = clock();
    const stepLr = s.schedule.rate({ globalStep: run.globalStep, epoch, learningRate: lr });
    const r = trainBatch(run, epoch, i, batches[i], stepLr, timing);
    sums.add(r.losses);
    timing.tokens += r.losses.find((l) => l.inObjective)?.frames ?? 0;
    const now = clock();
    const at = { prefix, epoch, step: i, steps: n, globalStep: run.globalStep++, learningRate: stepLr };
    run.report.step({ ...at, ...r, secPerStep: now - t, elapsed: now - t0, now });
    if ((await stopRequested(run)) && i + 1 < n) {
      run.report.endEpoch();
      throw interrupted(run, save(run, { epoch, batch: i + 1, sums, elapsed: clock() - t0 }));
    }
  }
  run.report.endEpoch();
  run.log.v(3, `${prefix} epoch ${epoch}, finished after ${n} steps, ${hms(clock() - t0)} elapsed`);
  return { sums, elapsed: clock() - t0 };
}

/** Forward, backward, and (every accum_grad_multiple_step batches) the update. */
function trainBatch(
  run: Run,
  epoch: number,
  i: number,
  seqs: number[],
  lr: number,
  timing: EpochTiming,
): StepOutcome & { updated: boolean; fingerprint?: StepFingerprint } {
  const { s, net } = run;
  const params = net.params.list();
  const where = `epoch ${epoch}, step ${i}`;
  const probe = run.diag.probe(run.globalStep, epoch, i, params);
  let r: StepOutcome;
  try {
    const batch = () => timing.time("data", () => probe.batch(makeBatch(s.train.dataset, seqs)));
    r = forwardBackward(net, params, run.accum, batch, {
      step: run.globalStep,
      where,
      gradNorms: s.logGradNorms,
      probe,
      timing,
    });
  } catch (e) {
    if (e instanceof NonFiniteError) {
      const meta = {
        epoch: String(epoch),
        step: String(i),
        global_step: String(run.globalStep),
        error: e.message,
        seqs: seqs.join(","),
      };
      run.log.v(1, `Save broken model under ${saveBroken(run.o.outDir, epoch, paramsOf(net), meta)}`);
    }
    throw e;
  }
  if (net.params.list().length !== params.length)
    throw new Error(`internal: ${where}: the network created parameters during a training step`);
  const updated = (run.globalStep + 1) % s.accumulate === 0;
  if (updated)
    timing.time("optimizer", () =>
      run.accum.apply(
        params.filter((p) => p.trainable),
        run.optimizer,
        lr,
        s.gradientClip,
        {
          noise: s.gradientNoise,
          clipValue: s.gradientClipValue,
          clipNorm: s.gradientClipNorm,
          clipAvgNorm: s.gradientClipAvgNorm,
          seed: s.randomSeed,
          step: run.globalStep,
        },
      ),
    );
  return { ...r, updated, fingerprint: probe.finish(params) };
}

/** Summary lines, eval scores, the learning-rate history, the checkpoint and cleanup. */
function finishEpoch(run: Run, epoch: number, train: ScoreSums, elapsed: number, timing: EpochTiming): void {
  const { s, o, net, lrc, log, clock } = run;
  const word = epochWord(run, epoch);
  log.v(1, formatEpochLine(epoch, train.costs(), train.errors(), elapsed, word));
  const t0 = clock();
  const scores = { ...train.scores("train", run.numLosses) };
  for (const ev of s.evals) {
    const r = timing.time("dev scoring", () => evaluate(net, ev, epoch, run.globalStep));
    log.v(1, formatEvalLine(epoch, ev.name, r.costs(), r.errors(), word));
    Object.assign(scores, r.scores(ev.name, run.numLosses));
  }
  const dev = s.dev;
  if (dev && s.devBleuEvery > 0 && epoch % s.devBleuEvery === 0) {
    const bleu = timing.time("dev scoring", () => devBleu(net, dev.dataset, o.configFile));
    log.v(
      1,
      `${word} ${epoch} dev: bleu ${bleu.score.toFixed(2)} (${bleu.sentences} sentences, ${bleu.seconds.toFixed(1)} s)`,
    );
    Object.assign(scores, devBleuScores(bleu.score));
  }
  log.v(4, timing.line(`${word} ${epoch}`));
  const meta = {
    steps: train.steps,
    train_time: round(elapsed),
    eval_time: round(clock() - t0),
    finished_at: new Date().toISOString(),
    ...(run.pretrain?.isPretrainEpoch(epoch) && { pretrain: true }),
  };
  lrc.setScores(epoch, scores, meta);
  writeLearningRates(o.outDir, lrc.toJSON());
  const due = epoch % s.saveInterval === 0 || epoch === s.numEpochs || o.signal?.aborted;
  if (!due) return;
  const saved = save(run, null, epoch);
  if (s.cleanup) cleanup(run);
  if (o.signal?.aborted && epoch < s.numEpochs) throw interrupted(run, saved);
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Writes a checkpoint after `epoch`, or inside an epoch at `inside`; returns its name. */
function save(run: Run, inside: EpochProgress | null, epoch = inside?.epoch ?? 0): string {
  const { s, o, net } = run;
  const id = idOf(run, epoch, inside?.batch ?? null);
  const state: TrainState = {
    epoch: inside ? epoch - 1 : epoch,
    globalStep: run.globalStep,
    dataPosition: inside ? { epoch, batch: inside.batch } : { epoch: epoch + 1, batch: 0 },
    randomSeed: s.randomSeed,
    optimizer: run.optimizer.state(),
    learningRates: JSON.parse(JSON.stringify(run.lrc.toJSON({ volatile: false }), finiteJson)),
    configHash: configHash(o.config),
    accumulated: run.accum.state(),
    ...(inside && { epochProgress: { sums: inside.sums.toJSON(), elapsed: inside.elapsed } }),
  };
  run.log.v(3, `Save model under ${saveCheckpoint(run.dir, paramsOf(net), state, id)}`);
  deleteSuperseded(run.dir, id);
  return checkpointName(id);
}

const idOf = (run: Run, epoch: number, step: number | null): CheckpointId => ({
  epoch,
  pretrain: run.pretrain?.isPretrainEpoch(epoch) ?? false,
  step,
});

/** cleanup_old_models: deletes the checkpoints RETURNN's rule does not keep. */
function cleanup(run: Run): void {
  const ids = listCheckpoints(run.dir).filter((id) => id.step === null);
  const scores = new Map([...run.lrc.epochs].map(([e, r]) => [e, r.scores]));
  const remove = new Set(
    epochsToDelete(
      ids.map((id) => id.epoch),
      scores,
      run.s.cleanup!,
    ),
  );
  if (remove.size === 0) return;
  run.log.v(3, `cleanup_old_models: deleting the checkpoints of epochs ${[...remove].join(", ")}`);
  for (const id of ids) if (remove.has(id.epoch)) deleteCheckpoint(run.dir, id);
}

/** Pretraining: builds the network of `epoch` when it differs from the one held, carrying state over by name. */
async function useNetworkOf(run: Run, epoch: number): Promise<void> {
  const key = run.pretrain?.netKeyFor(epoch) ?? "";
  if (key === run.netKey) return;
  const label = run.pretrain!.isPretrainEpoch(epoch) ? `pretrain epoch ${epoch}` : "";
  const { o, s } = run;
  const next = await buildNet(
    o.buildNetwork,
    o.config,
    o.configFile,
    s,
    run.pretrain!.netDictFor(epoch),
    label,
  );
  if (next.memory) run.log.v(4, memoryLine(next.memory));
  carryOver(paramsOf(run.net), next.net, run, epochName(run, epoch));
  disposeNet(run.net);
  run.net = next.net;
  run.netKey = key;
}

/**
 * The epoch's learning rate, with RETURNN's pretraining rule: pretrain epochs
 * use `pretrain_learning_rate`, the first epoch after pretraining
 * `learning_rate`, unless `use_learning_rate_control_always`.
 */
function epochLearningRate(run: Run, epoch: number): number {
  const { lrc, pretrain, s } = run;
  if (!pretrain || s.useLrControlAlways) return lrc.learningRateFor(epoch);
  if (pretrain.isPretrainEpoch(epoch)) return lrc.setDefault(epoch, s.pretrainLearningRate);
  if (epoch === pretrain.numEpochs + 1) return lrc.setDefault(epoch, s.lr.learningRate);
  return lrc.learningRateFor(epoch);
}

/** "epoch", or "pretrain epoch" during pretraining (RETURNN's get_epoch_str). */
const epochWord = (run: Run, epoch: number) =>
  run.pretrain?.isPretrainEpoch(epoch) ? "pretrain epoch" : "epoch";
const epochName = (run: Run, epoch: number) => `${epochWord(run, epoch)} ${epoch}`;

/** Lets signal handlers run (Ctrl-C, SIGTERM), then says whether the run should stop. */
async function stopRequested(run: Run): Promise<boolean> {
  await new Promise((resolve) => setImmediate(resolve));
  return run.o.signal?.aborted ?? false;
}

function interrupted(run: Run, saved: string | null): Interrupted {
  const what = saved ? `saved checkpoint ${saved}; run the same command to resume` : "nothing was saved";
  const term = run.o.signal?.reason === "SIGTERM";
  return new Interrupted(`interrupted: ${what}`, term ? TERMINATED_EXIT_CODE : INTERRUPTED_EXIT_CODE);
}

/** Records in the manifest how and where this invocation stopped (best effort: never hides the real error). */
function stopped(run: Run, outcome: "finished" | "interrupted" | "failed"): void {
  const epochs = run.lrc.epochsBefore(Number.MAX_SAFE_INTEGER, true);
  const at = { epoch: epochs.at(-1) ?? 0, global_step: run.globalStep };
  try {
    finishManifest(run.o.outDir, run.manifest, outcome, at);
  } catch (e) {
    if (outcome === "finished") throw e;
  }
}
