/**
 * The progress bar at log_verbosity 3–4 on a terminal (RETURNN shows one
 * instead of step lines): one line per epoch with the steps done, the last
 * loss, steps per second and the time left, redrawn in place on the stream
 * (stderr by default). Not shown when the stream is not a terminal.
 */
import cliProgress from "cli-progress";
import { formatFloat32, hms } from "./log.js";

/** A stream the bar can draw on; `isTTY` decides whether it is shown. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface ProgressPayload {
  label: string;
  loss: number;
  stepsPerSec: number;
  /** Seconds left in the epoch. */
  remaining: number;
}

const WIDTH = 24;

/** `train epoch 3 [██████░░░░] 12/27 | loss 2.3456 | 3.21 steps/s | 0:00:05 left` */
export function formatProgress(done: number, total: number, p: ProgressPayload): string {
  const k = total > 0 ? Math.round((done / total) * WIDTH) : WIDTH;
  const bar = `${"█".repeat(k)}${"░".repeat(WIDTH - k)}`;
  const loss = Number.isNaN(p.loss) ? "-" : formatFloat32(p.loss);
  return `${p.label} [${bar}] ${done}/${total} | loss ${loss} | ${p.stepsPerSec.toFixed(2)} steps/s | ${hms(p.remaining)} left`;
}

export class ProgressBar {
  private readonly bar: cliProgress.SingleBar;
  private active = false;

  constructor(stream: ProgressStream) {
    this.bar = new cliProgress.SingleBar({
      stream,
      format: (_o, params, payload) => formatProgress(params.value, params.total, payload as ProgressPayload),
      hideCursor: false,
      gracefulExit: false,
      clearOnComplete: false,
      fps: 10,
    });
  }

  start(total: number, done: number, payload: ProgressPayload): void {
    this.bar.start(total, done, payload);
    this.active = true;
  }

  update(done: number, payload: ProgressPayload): void {
    if (this.active) this.bar.update(done, payload);
  }

  stop(): void {
    if (!this.active) return;
    this.active = false;
    this.bar.stop();
  }
}

/** A bar on `stream` when it is a terminal and the verbosity is 3 or 4, else null. */
export function progressBarFor(
  stream: ProgressStream | null | undefined,
  verbosity: number,
): ProgressBar | null {
  return stream?.isTTY && (verbosity === 3 || verbosity === 4) ? new ProgressBar(stream) : null;
}
