/**
 * Per-step learning-rate schedules. The epoch's rate (learning-rate control,
 * `learning_rates`, pretraining) is scaled per global step:
 *
 *   learning_rate_warmup_steps: W   linear warm-up over the first W steps
 *   learning_rate_schedule: "constant"   after warm-up: the epoch's rate (default)
 *   learning_rate_schedule: "noam"       after warm-up: × sqrt(W / (step + 1)) (inverse square root)
 *   learning_rate_schedule: fn           TS/JS configs: ({globalStep, epoch, learningRate}) => rate
 *
 * `step` is the global training step counted from 0 (the one that keys dropout),
 * so a resumed run gets exactly the rates of the run that never stopped. With
 * W steps of warm-up the factor at step s is (s + 1) / W, reaching 1 at step
 * W − 1: "noam" is min((s + 1) / W, sqrt(W / (s + 1))), whose peak is the
 * epoch's rate.
 */
import { ReproError } from "../util/errors.js";

export interface StepScheduleInput {
  globalStep: number;
  epoch: number;
  /** The epoch's rate. */
  learningRate: number;
}

/** The learning rate of one step. */
export type StepSchedule = (x: StepScheduleInput) => number;

export interface ScheduleSettings {
  warmupSteps: number;
  kind: "constant" | "noam" | "function";
  /** A human-readable description for the log and the manifest. */
  description: string;
  rate: StepSchedule;
}

/** Reads `learning_rate_warmup_steps` and `learning_rate_schedule`. */
export function parseSchedule(config: Record<string, unknown>, where: string): ScheduleSettings {
  const w = config.learning_rate_warmup_steps ?? 0;
  if (typeof w !== "number" || !Number.isSafeInteger(w) || w < 0)
    throw new ReproError(
      `${where}: learning_rate_warmup_steps must be a non-negative integer, got ${JSON.stringify(w)}`,
    );
  const kind = config.learning_rate_schedule ?? "constant";
  if (typeof kind === "function") {
    if (w > 0)
      throw new ReproError(
        `${where}: learning_rate_warmup_steps does not apply to a learning_rate_schedule function (do the warm-up in the function)`,
      );
    return { warmupSteps: 0, kind: "function", description: "function", rate: checked(kind as StepSchedule) };
  }
  if (kind === "constant") {
    const warm = (s: number) => (w > 0 ? Math.min(1, (s + 1) / w) : 1);
    const description = w > 0 ? `linear warm-up over ${w} steps` : "constant within an epoch";
    return { warmupSteps: w, kind, description, rate: (x) => x.learningRate * warm(x.globalStep) };
  }
  if (kind === "noam") {
    if (w < 1)
      throw new ReproError(`${where}: learning_rate_schedule "noam" needs learning_rate_warmup_steps >= 1`);
    const factor = (s: number) => Math.min((s + 1) / w, Math.sqrt(w / (s + 1)));
    const description = `noam: linear warm-up over ${w} steps, then inverse square root`;
    return { warmupSteps: w, kind, description, rate: (x) => x.learningRate * factor(x.globalStep) };
  }
  throw new ReproError(
    `${where}: learning_rate_schedule must be "constant", "noam" or a function, got ${JSON.stringify(kind)}`,
  );
}

/** A user function whose result must be a finite, non-negative number. */
function checked(fn: StepSchedule): StepSchedule {
  return (x) => {
    let lr: unknown;
    try {
      lr = fn({ ...x });
    } catch (e) {
      throw new ReproError(
        `learning_rate_schedule failed at global step ${x.globalStep}: ${String((e as Error)?.message ?? e).split("\n")[0]}`,
      );
    }
    if (typeof lr !== "number" || !Number.isFinite(lr) || lr < 0)
      throw new ReproError(
        `learning_rate_schedule returned ${String(lr)} at global step ${x.globalStep} (expected a non-negative number)`,
      );
    return lr;
  };
}
