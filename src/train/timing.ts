/**
 * Where an epoch's time goes, for the line `repronet train` prints at
 * log_verbosity ≥ 4 after each epoch: target tokens per second of training,
 * and the share of the epoch's wall time (training and dev scoring) spent in
 * data loading, forward, backward, the optimizer update and dev scoring;
 * "other" is the rest (gradient checks and accumulation, reporting, the
 * progress bar). Timings are wall-clock, so they vary between runs; they
 * never feed into a number the run computes.
 */

export type Phase = "data" | "forward" | "backward" | "optimizer" | "dev scoring";

const phases: readonly Phase[] = ["data", "forward", "backward", "optimizer", "dev scoring"];

export class EpochTiming {
  private readonly seconds = new Map<Phase, number>();
  /** Time of phases nested in the one being timed (subtracted from it). */
  private nested = 0;
  /** Target tokens trained on (frames of the objective's first loss). */
  tokens = 0;
  private readonly start: number;

  constructor(private readonly clock: () => number = () => performance.now() / 1000) {
    this.start = clock();
  }

  /** Runs `f`, adding its time to `phase` — less the time of phases timed inside it. */
  time<T>(phase: Phase, f: () => T): T {
    const t0 = this.clock();
    const outer = this.nested;
    this.nested = 0;
    try {
      return f();
    } finally {
      const dt = this.clock() - t0;
      this.seconds.set(phase, (this.seconds.get(phase) ?? 0) + dt - this.nested);
      this.nested = outer + dt;
    }
  }

  /**
   * `epoch 3 timing: 1234 tokens/s; data 1.0%, forward 30.2%, ...` — tokens/s
   * over the training time (everything but dev scoring), shares of the wall
   * time since this object was made.
   */
  line(label: string): string {
    const total = this.clock() - this.start;
    if (!(total > 0)) return `${label} timing: no time measured`;
    const dev = this.seconds.get("dev scoring") ?? 0;
    const rate = this.tokens / Math.max(total - dev, 1e-9);
    const share = (s: number) => `${((100 * s) / Math.max(total, 1e-9)).toFixed(1)}%`;
    const parts = phases.map((p) => `${p} ${share(this.seconds.get(p) ?? 0)}`);
    const other = total - [...this.seconds.values()].reduce((a, b) => a + b, 0);
    return `${label} timing: ${rate.toFixed(0)} tokens/s; ${parts.join(", ")}, other ${share(other)} of ${total.toFixed(1)} s`;
  }
}
