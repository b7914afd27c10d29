/**
 * Losses in RETURNN's sense: a value summed over all valid (non-padded)
 * frames, an optional error count, and the normalisation denominator
 * (Σ target lengths, else Σ output lengths, else batch size). The objective
 * uses value/frames; logs report `cost:<name>` = value/frames.
 */
import type { Data } from "../network/data.js";
import { sequenceMask } from "../network/data.js";
import * as ops from "../tensor/ops/index.js";
import type { Tensor } from "../tensor/tensor.js";
import { didYouMean, ReproError } from "../util/errors.js";

export interface LossResult {
  /** Scalar, summed over valid frames; differentiable where the loss is. Null for error-only losses. */
  readonly value: Tensor | null;
  /** Error count summed over valid frames (frame errors, edit operations), if the loss has one. */
  readonly error?: number;
  readonly frames: number;
}

export interface LossDef {
  /** Allowed `loss_opts` keys (besides `scale`). */
  readonly options: readonly string[];
  readonly needsTarget: boolean;
  compute(output: Data, target: Data | undefined, opts: Record<string, unknown>, where: string): LossResult;
  /** A missing `n_out` from the target's dim (RETURNN's get_auto_output_layer_dim; default: the dim itself). */
  autoOutputDim?(targetDim: number): number;
}

const losses = new Map<string, LossDef>();

export function registerLoss(name: string, def: LossDef): void {
  losses.set(name, def);
}

export function lossClass(name: string, where: string): LossDef {
  const def = losses.get(name);
  if (!def) throw new ReproError(`${where}: unknown loss "${name}"${didYouMean(name, losses.keys())}`);
  return def;
}

/** Axes that count as frames: the loop axis and the time axis, where present. */
export function frameAxes(data: Data): number[] {
  return data.dims.flatMap((d, i) => (d.kind === "time" ? [i] : []));
}

/** The number of valid frames: product over frame axes of lengths (one frame axis), or batch size. */
export function countFrames(data: Data): number {
  const axes = frameAxes(data);
  if (axes.length === 0) return data.batchAxis >= 0 ? data.dims[data.batchAxis].size : 1;
  if (axes.length > 1) {
    // Several time axes (e.g. decoder steps × encoder frames): count valid pairs.
    const b = data.dims[data.batchAxis]?.size ?? 1;
    let total = 0;
    for (let i = 0; i < b; i++) total += axes.reduce((n, a) => n * data.dims[a].lengths![i], 1);
    return total;
  }
  return data.dims[axes[0]].lengths!.reduce((s, l) => s + l, 0);
}

/** Replaces values in padded frames (on every frame axis) by 0, so sums ignore them. */
export function zeroPadded(data: Data, value: Tensor = data.value): Tensor {
  let v = value;
  for (const axis of frameAxes(data)) v = ops.where(sequenceMask(data, axis), v, 0);
  return v;
}

export function checkLossOptions(opts: Record<string, unknown>, def: LossDef, where: string): void {
  for (const key of Object.keys(opts)) {
    if (key !== "scale" && !def.options.includes(key)) {
      throw new ReproError(`${where}: unknown loss option "${key}"${didYouMean(key, def.options)}`);
    }
  }
}
