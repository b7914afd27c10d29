/**
 * One training batch: forward with gradients, checks, and the gradients added
 * to the accumulator (the update itself is GradAccumulator.apply). A
 * non-finite objective or gradient stops training before any parameter
 * changes, with a NonFiniteError naming the loss values and the parameter —
 * and, when the network can tell, the first layer (in topological order) whose
 * output or gradient was not finite.
 */

import type { Param } from "../network/params.js";
import type { Batch, LossReport, StepResult, TrainableNetwork } from "../network/types.js";
import { globalNorm } from "../optim/clip.js";
import { retainGrad, valueAndGrads } from "../tensor/tape.js";
import { type Tensor, tidy } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import type { GradAccumulator } from "./accumulate.js";
import type { StepProbe } from "./step-diagnostics.js";
import type { EpochTiming } from "./timing.js";

export interface StepOptions {
  /** Global step (keys dropout masks). */
  step: number;
  /** For messages: `epoch 1, step 3`. */
  where: string;
  /** Also return each parameter's gradient norm (`log_grad_norms`). */
  gradNorms?: boolean;
  /** Step diagnostics (fingerprints, gradient trace): see src/train/step-diagnostics.ts. */
  probe?: StepProbe;
  /** Adds the forward and backward time (log_verbosity ≥ 4's epoch timing line). */
  timing?: EpochTiming;
}

export interface StepOutcome {
  /** The objective. */
  loss: number;
  losses: readonly LossReport[];
  /** Global norm of this batch's gradient. */
  gradNorm: number;
  /** Per trainable parameter, by name (sorted), when asked for. */
  gradNorms?: Record<string, number>;
}

/** A step whose objective or gradient is not finite; training stops before the update. */
export class NonFiniteError extends ReproError {}

const describe = (losses: readonly LossReport[]) =>
  losses
    .filter((l) => l.value !== null)
    .map((l) => `cost:${l.name} ${l.value! / l.frames}${l.inObjective ? "" : " (not in objective)"}`)
    .join(", ");

/**
 * Runs forward and backward for `params` (sorted by name; frozen ones are
 * skipped) and adds the gradients to `acc`. `makeBatch` is called inside the
 * step's scope, so the batch tensors die with it.
 */
export function forwardBackward(
  net: TrainableNetwork,
  params: readonly Param[],
  acc: GradAccumulator,
  makeBatch: () => Batch,
  o: StepOptions,
): StepOutcome {
  return tidy(() => {
    const batch = makeBatch();
    const trainable = params.filter((p) => p.trainable);
    const fwd = { train: true, step: o.step, trace: o.probe?.layerOutputs };
    let result: StepResult | undefined;
    const forward = () => {
      result = net.forward(batch, fwd);
      for (const c of fwd.trace ?? []) retainGrad(c.value);
      if (!result.objective)
        throw new ReproError(`${o.where}: the objective is empty (no loss with a non-zero scale)`);
      return result.objective;
    };
    const timed = <T>(phase: "forward" | "backward", f: () => T) =>
      o.timing ? o.timing.time(phase, f) : f();
    // Backward: what valueAndGrads takes beyond the forward pass timed inside it.
    const { value, grads, retained } = timed("backward", () =>
      valueAndGrads(
        () => timed("forward", forward),
        trainable.map((p) => p.value),
      ),
    );
    const losses = result!.losses;
    const loss = value.item();
    const traced = o.probe?.gradients(trainable, grads, retained, loss) ?? null;
    // The trace, else the network, names the first layer (topological order) with a non-finite output or gradient.
    const layer = () => {
      const diagnosis = traced ?? net.diagnoseNonFinite?.(batch, o.step);
      return diagnosis ? `; ${diagnosis}` : "";
    };
    if (!Number.isFinite(loss))
      throw new NonFiniteError(`${o.where}: objective is ${loss} (${describe(losses)})${layer()}`);
    const gradNorm = globalNorm(grads.filter((g): g is Tensor => g !== null));
    if (!Number.isFinite(gradNorm)) {
      const i = grads.findIndex((g) => g !== null && !Number.isFinite(globalNorm([g])));
      throw new NonFiniteError(
        `${o.where}: gradient of ${trainable[i]?.name ?? "?"} is not finite (objective ${loss})${layer()}`,
      );
    }
    acc.add(trainable, grads);
    if (!o.gradNorms) return { loss, losses, gradNorm };
    const gradNorms: Record<string, number> = {};
    trainable.forEach((p, k) => {
      gradNorms[p.name] = grads[k] ? globalNorm([grads[k]!]) : 0;
    });
    return { loss, losses, gradNorm, gradNorms };
  });
}
