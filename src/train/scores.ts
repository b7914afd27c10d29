/**
 * Frame-weighted scores, as RETURNN reports them: per loss, Σ values / Σ
 * frames over an epoch (never a mean of per-batch means), and `evaluate`,
 * which scores a dataset without training.
 */
import { epochBatches, makeBatch } from "../data/index.js";
import type { LossReport, TrainableNetwork } from "../network/types.js";
import { tidy } from "../tensor/tensor.js";
import { scoreKey } from "./error-measure.js";
import type { DataSettings } from "./settings.js";

interface Sum {
  value: number;
  hasValue: boolean;
  error: number;
  hasError: boolean;
  frames: number;
  scale: number;
}

export class ScoreSums {
  private readonly sums = new Map<string, Sum>();
  steps = 0;

  add(losses: readonly LossReport[]): void {
    this.steps++;
    for (const l of losses) {
      const s = this.sums.get(l.name) ?? {
        value: 0,
        hasValue: false,
        error: 0,
        hasError: false,
        frames: 0,
        scale: l.scale,
      };
      if (l.value !== null) {
        s.value += l.value;
        s.hasValue = true;
      }
      s.frames += l.frames;
      if (l.error !== undefined) {
        s.error += l.error;
        s.hasError = true;
      }
      this.sums.set(l.name, s);
    }
  }

  /** Loss names, sorted. */
  names(): string[] {
    return [...this.sums.keys()].sort();
  }

  /** Per-frame cost by loss name. */
  costs(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const n of this.names()) {
      const s = this.sums.get(n)!;
      if (s.hasValue) out[n] = s.value / s.frames;
    }
    return out;
  }

  /** Per-frame error by loss name (losses with an error measure only). */
  errors(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const n of this.names()) {
      const s = this.sums.get(n)!;
      if (s.hasError) out[n] = s.error / s.frames;
    }
    return out;
  }

  /**
   * RETURNN's keys: `<set>_score`/`<set>_error` with one loss, else
   * `<set>_score_<name>`, ... `numLosses` is the loss count that decides the
   * naming (the full network's during pretraining, so keys stay the same).
   */
  scores(set: string, numLosses = this.sums.size): Record<string, number> {
    const out: Record<string, number> = {};
    const costs = this.costs();
    const errors = this.errors();
    const n = this.sums.size === 1 ? numLosses : Math.max(numLosses, 2);
    for (const name of this.names()) {
      if (name in costs) out[scoreKey(set, "score", name, n)] = costs[name];
      if (name in errors) out[scoreKey(set, "error", name, n)] = errors[name];
    }
    return out;
  }

  /** The sums so far, for a checkpoint inside an epoch (non-finite values as strings). */
  toJSON(): { steps: number; sums: Record<string, Sum> } {
    return { steps: this.steps, sums: Object.fromEntries(this.names().map((n) => [n, this.sums.get(n)!])) };
  }

  static fromJSON(json: unknown): ScoreSums {
    const { steps, sums } = json as ReturnType<ScoreSums["toJSON"]>;
    const out = new ScoreSums();
    out.steps = steps;
    for (const [name, s] of Object.entries(sums)) {
      out.sums.set(name, { ...s, value: Number(s.value), error: Number(s.error), scale: Number(s.scale) });
    }
    return out;
  }
}

/** Per-step costs and errors (value / frames) of one step's reports; zero-scaled ones optional. */
export function stepCosts(
  losses: readonly LossReport[],
  withZeroScaled = true,
): { costs: Record<string, number>; errors: Record<string, number> } {
  const costs: Record<string, number> = {};
  const errors: Record<string, number> = {};
  for (const l of losses) {
    if (!withZeroScaled && l.scale === 0) continue;
    if (l.value !== null) costs[l.name] = l.value / l.frames;
    if (l.error !== undefined) errors[l.name] = l.error / l.frames;
  }
  return { costs, errors };
}

/** Scores `data` for `epoch` with the network in evaluation mode (no dropout, no updates). */
export function evaluate(net: TrainableNetwork, data: DataSettings, epoch: number, step: number): ScoreSums {
  const sums = new ScoreSums();
  for (const seqs of epochBatches(data.dataset, data.batching, epoch).batches) {
    const losses = tidy(() => net.forward(makeBatch(data.dataset, seqs), { train: false, step }).losses);
    sums.add(losses);
  }
  return sums;
}
