/**
 * One training step: forward with gradients, checks, global-norm clipping over
 * the parameters in name order, optimizer update. A non-finite objective or
 * gradient stops training before any parameter changes.
 */
import type { Param } from "../network/params.js";
import type { Batch, LossReport, StepResult, TrainableNetwork } from "../network/types.js";
import { clipByGlobalNorm, globalNorm } from "../optim/clip.js";
import { valueAndGrads } from "../tensor/tape.js";
import { type Tensor, tidy } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import type { Optimizer } from "./optimizer.js";

export interface StepOptions {
  lr: number;
  /** Global step (keys dropout masks). */
  step: number;
  /** Global-norm clip; 0 = none. */
  clip: number;
  /** For messages: `epoch 1, step 3`. */
  where: string;
}

export interface StepOutcome {
  /** The objective. */
  loss: number;
  losses: readonly LossReport[];
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

const describe = (losses: readonly LossReport[]) =>
  losses
    .filter((l) => l.value !== null)
    .map((l) => `cost:${l.name} ${l.value! / l.frames}${l.inObjective ? "" : " (not in objective)"}`)
    .join(", ");

/**
 * Runs one update of `params` (sorted by name; frozen ones are skipped).
 * `makeBatch` is called inside the step's scope, so the batch tensors die with it.
 */
export function trainStep(
  net: TrainableNetwork,
  params: readonly Param[],
  optimizer: Optimizer,
  makeBatch: () => Batch,
  o: StepOptions,
): StepOutcome {
  return tidy(() => {
    const batch = makeBatch();
    const trainable = params.filter((p) => p.trainable);
    let result: StepResult | undefined;
    const { value, grads } = valueAndGrads(
      () => {
        result = net.forward(batch, { train: true, step: o.step });
        if (!result.objective)
          throw new ReproError(`${o.where}: the objective is empty (no loss with a non-zero scale)`);
        return result.objective;
      },
      trainable.map((p) => p.value),
    );
    const losses = result!.losses;
    const loss = value.item();
    if (!Number.isFinite(loss))
      throw new ReproError(`${o.where}: objective is ${loss} (${describe(losses)})`);
    const present = grads.filter((g): g is Tensor => g !== null);
    const gradNorm = o.clip > 0 ? clipByGlobalNorm(present, o.clip) : globalNorm(present);
    if (!Number.isFinite(gradNorm)) {
      const i = grads.findIndex((g) => g !== null && !Number.isFinite(globalNorm([g])));
      throw new ReproError(
        `${o.where}: gradient of ${trainable[i]?.name ?? "?"} is not finite (objective ${loss})`,
      );
    }
    optimizer.update(
      trainable.map((p, i) => ({ name: p.name, value: p.value, grad: grads[i] })),
      o.lr,
    );
    return { loss, losses, gradNorm };
  });
}
