/**
 * Gradient accumulation (`accum_grad_multiple_step` = N), as RETURNN does it:
 * the gradients of N consecutive batches are summed (not averaged) and applied
 * in one update after the batch with (global step + 1) mod N = 0. The grouping
 * follows the global step, so it runs across epoch boundaries, and the sums
 * travel in checkpoints. With N = 1 every batch is applied as it is.
 *
 * Sums are float32, added in batch order: the same numbers in every run.
 */
import type { Param } from "../network/params.js";
import { clipByGlobalNorm, globalNorm } from "../optim/clip.js";
import { type GradPostProcess, postProcessGradients } from "../optim/post-process.js";
import { Tensor, tidy } from "../tensor/tensor.js";
import type { Optimizer } from "./optimizer.js";

export class GradAccumulator {
  private sums = new Map<string, Float32Array>();
  /** Batches added since the last update. */
  count = 0;

  /** Adds one batch's gradients (null: the parameter got none). */
  add(params: readonly Param[], grads: readonly (Tensor | null)[]): void {
    params.forEach((p, i) => {
      const g = grads[i]?.f32;
      if (!g) return;
      const s = this.sums.get(p.name);
      if (!s) this.sums.set(p.name, g.slice());
      else for (let j = 0; j < s.length; j++) s[j] += g[j];
    });
    this.count++;
  }

  /**
   * Updates `params` with the summed gradients (clipped to `clip` by global
   * norm over the parameters in the given order, 0 = no clipping) and starts a
   * new sum; `post` (gradient_noise, gradient_clip) runs on the sums first.
   * Returns the norm before clipping.
   */
  apply(
    params: readonly Param[],
    optimizer: Optimizer,
    lr: number,
    clip: number,
    post?: GradPostProcess,
  ): number {
    const norm = tidy(() => {
      const grads = params.map((p) => {
        const s = this.sums.get(p.name);
        return s ? new Tensor(p.value.shape, s) : null;
      });
      if (post)
        postProcessGradients(
          params.map((p, i) => ({ name: p.name, grad: grads[i] })),
          post,
        );
      const present = grads.filter((g): g is Tensor => g !== null);
      const n = clip > 0 ? clipByGlobalNorm(present, clip) : globalNorm(present);
      optimizer.update(
        params.map((p, i) => ({ name: p.name, value: p.value, grad: grads[i] })),
        lr,
      );
      return n;
    });
    this.sums = new Map();
    this.count = 0;
    return norm;
  }

  /** Drops the sums of parameters that are gone (a network change in pretraining). */
  retain(names: ReadonlySet<string>): void {
    for (const name of [...this.sums.keys()]) if (!names.has(name)) this.sums.delete(name);
  }

  state(): { count: number; sums: Record<string, Float32Array> } | undefined {
    if (this.count === 0) return undefined;
    const names = [...this.sums.keys()].sort();
    return { count: this.count, sums: Object.fromEntries(names.map((n) => [n, this.sums.get(n)!])) };
  }

  load(state: { count: number; sums: Record<string, Float32Array> } | undefined): void {
    this.sums = new Map(Object.entries(state?.sums ?? {}).map(([k, v]) => [k, v.slice()]));
    this.count = state?.count ?? 0;
  }
}
