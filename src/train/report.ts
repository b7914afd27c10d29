/**
 * Where a training step is reported: a RETURNN step line (log_verbosity 5,
 * every `log_every_n_steps`-th step and the epoch's last), the progress bar
 * (log_verbosity 3–4 on a terminal) and one record in OUT/train.jsonl (always).
 */

import type { LossReport } from "../network/types.js";
import type { StepFingerprint, TrainJsonl } from "../rundir/index.js";
import { formatStepLine, type Log } from "./log.js";
import type { ProgressBar } from "./progress.js";
import { stepCosts } from "./scores.js";

export interface StepReport {
  /** "train" or "pretrain". */
  prefix: string;
  epoch: number;
  /** Step within the epoch, from 0, and the epoch's number of steps. */
  step: number;
  steps: number;
  globalStep: number;
  losses: readonly LossReport[];
  loss: number;
  learningRate: number;
  gradNorm: number;
  /** Per-parameter gradient norms (`log_grad_norms`). */
  gradNorms?: Record<string, number>;
  /** Per-step digests (`fingerprint_every_n_steps`), when due. */
  fingerprint?: StepFingerprint;
  /** Whether this step applied an update (false while gradients accumulate). */
  updated: boolean;
  secPerStep: number;
  /** Seconds since the epoch started (including time before a resume). */
  elapsed: number;
  /** The clock after the step. */
  now: number;
}

export interface ReportOptions {
  everyNSteps: number;
  zeroScaledLosses: boolean;
  /** accum_grad_multiple_step: records say whether a step updated when > 1. */
  accumulate: number;
}

export class StepReporter {
  private epochStart = { step: 0, time: 0 };

  constructor(
    private readonly log: Log,
    private readonly o: ReportOptions,
    private readonly jsonl: TrainJsonl,
    private readonly bar: ProgressBar | null,
  ) {}

  /** `now`: the clock at the start (for steps/s of this session). */
  startEpoch(prefix: string, epoch: number, steps: number, done: number, now: number): void {
    this.epochStart = { step: done, time: now };
    this.bar?.start(steps, done, {
      label: `${prefix} epoch ${epoch}`,
      loss: Number.NaN,
      stepsPerSec: 0,
      remaining: 0,
    });
  }

  step(r: StepReport): void {
    const all = stepCosts(r.losses, true);
    this.jsonl.write({
      epoch: r.epoch,
      step: r.step,
      global_step: r.globalStep,
      ...(r.prefix === "pretrain" && { pretrain: true }),
      cost: all.costs,
      error: all.errors,
      loss: r.loss,
      learning_rate: r.learningRate,
      grad_norm: r.gradNorm,
      ...(r.gradNorms && { grad_norms: r.gradNorms }),
      sec_per_step: r.secPerStep,
      ...(this.o.accumulate > 1 && { update: r.updated }),
      ...(r.fingerprint && { fingerprint: r.fingerprint }),
    });
    const done = r.step + 1;
    const seconds = Math.max(r.now - this.epochStart.time, 1e-9);
    const stepsPerSec = (done - this.epochStart.step) / seconds;
    this.bar?.update(done, {
      label: `${r.prefix} epoch ${r.epoch}`,
      loss: r.loss,
      stepsPerSec,
      remaining: stepsPerSec > 0 ? (r.steps - done) / stepsPerSec : 0,
    });
    if (r.step % this.o.everyNSteps !== 0 && done !== r.steps) return;
    const { costs, errors } = stepCosts(r.losses, this.o.zeroScaledLosses);
    const timing = { secPerStep: r.secPerStep, elapsed: r.elapsed, complete: done / r.steps };
    this.log.v(
      5,
      formatStepLine({
        prefix: r.prefix,
        epoch: r.epoch,
        step: r.step,
        costs,
        errors,
        loss: r.loss,
        ...timing,
      }),
    );
  }

  endEpoch(): void {
    this.bar?.stop();
  }

  close(): void {
    this.bar?.stop();
    this.jsonl.close();
  }
}
