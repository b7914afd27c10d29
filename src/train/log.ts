/**
 * Log lines in RETURNN's format (returnn/tf/engine.py), so existing log
 * parsers and people's habits keep working:
 *
 *   train epoch 1, step 0, cost:output/output_prob 3.1697416, error:output/output_prob 0.95, loss 3.1697416, 0.412 sec/step, elapsed 0:00:01, exp. remaining 0:00:40, complete 2.50%
 *   epoch 1 score: 2.03 error: 0.61 elapsed: 0:00:42
 *   epoch 1 dev: score 1.98 error 0.58
 *
 * Numbers print as Python would: per-step values are float32 (numpy's
 * shortest repr), epoch scores float64 (Python's repr).
 */

/** RETURNN's hms(): `H:MM:SS`, seconds truncated. */
export function hms(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

/** Python-style layout of shortest round-trip digits: exponent form below 1e-4 and from 1e16. */
function pyLayout(x: number, digits: string): string {
  const [mant, e] = Number(digits).toExponential().split("e");
  const exp = Number(e);
  if (exp < -4 || exp >= 16) return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  const plain = Number(digits).toFixed(Math.max(0, (mant.split(".")[1]?.length ?? 0) - exp));
  const s = plain.includes(".") ? plain : `${plain}.0`;
  return Object.is(x, -0) ? "-0.0" : s;
}

function special(x: number): string | null {
  if (Number.isNaN(x)) return "nan";
  if (x === Number.POSITIVE_INFINITY) return "inf";
  if (x === Number.NEGATIVE_INFINITY) return "-inf";
  return null;
}

/** Python's repr of a float64 (`0.001`, `1e-05`, `3.0`). */
export function formatFloat64(x: number): string {
  return special(x) ?? pyLayout(x, String(x));
}

/** numpy's str of a float32: the shortest decimal that reads back as the same float32. */
export function formatFloat32(x: number): string {
  const s = special(x);
  if (s !== null) return s;
  const f = Math.fround(x);
  for (let p = 1; p <= 9; p++) {
    const d = f.toPrecision(p);
    if (Math.fround(Number(d)) === f) return pyLayout(f, d);
  }
  return pyLayout(f, String(f));
}

export interface StepInfo {
  /** "train" or "pretrain" (RETURNN's epoch prefix). */
  prefix?: string;
  epoch: number;
  /** Step within the epoch, from 0. */
  step: number;
  /** Per-frame cost and error by loss name (`cost:<name>`, `error:<name>`). */
  costs: Readonly<Record<string, number>>;
  errors: Readonly<Record<string, number>>;
  /** The objective. */
  loss: number;
  secPerStep: number;
  elapsed: number;
  /** Fraction of the epoch done after this step, in (0, 1]. */
  complete: number;
}

/** One step line; the `cost:`, `error:` and `loss` entries are sorted by key, as RETURNN does. */
export function formatStepLine(s: StepInfo): string {
  const info: [string, string][] = [];
  for (const [k, v] of Object.entries(s.costs)) info.push([`cost:${k}`, formatFloat32(v)]);
  for (const [k, v] of Object.entries(s.errors)) info.push([`error:${k}`, formatFloat32(v)]);
  info.push(["loss", formatFloat32(s.loss)]);
  info.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const parts = [
    `${s.prefix ?? "train"} epoch ${s.epoch}`,
    `step ${s.step}`,
    ...info.map(([k, v]) => `${k} ${v}`),
  ];
  parts.push(`${s.secPerStep.toFixed(3)} sec/step`, `elapsed ${hms(s.elapsed)}`);
  if (s.complete > 0) {
    const remaining = (s.elapsed / s.complete) * (1 - s.complete);
    parts.push(`exp. remaining ${hms(remaining)}`, `complete ${(s.complete * 100).toFixed(2)}%`);
  }
  return parts.join(", ");
}

/** RETURNN's format_score: a bare value for one loss, else sorted `name value` pairs; "None" when empty. */
export function formatScores(scores: Readonly<Record<string, number>>): string {
  const keys = Object.keys(scores).sort();
  if (keys.length === 0) return "None";
  if (keys.length === 1) return formatFloat64(scores[keys[0]]);
  return keys.map((k) => `${k} ${formatFloat64(scores[k])}`).join(" ");
}

/** `epoch 1 score: ... error: ... elapsed: H:MM:SS` */
export function formatEpochLine(
  epoch: number,
  scores: Readonly<Record<string, number>>,
  errors: Readonly<Record<string, number>>,
  elapsed: number,
  prefix = "epoch",
): string {
  return `${prefix} ${epoch} score: ${formatScores(scores)} error: ${formatScores(errors)} elapsed: ${hms(elapsed)}`;
}

/** `epoch 1 dev: score ... error ...` */
export function formatEvalLine(
  epoch: number,
  name: string,
  scores: Readonly<Record<string, number>>,
  errors: Readonly<Record<string, number>>,
  prefix = "epoch",
): string {
  return `${prefix} ${epoch} ${name}: score ${formatScores(scores)} error ${formatScores(errors)}`;
}

/** RETURNN's log levels: 1 epoch summaries, 2 notes, 3 epoch start/finish, saves and resumes, 5 every step. */
export type LogSink = (line: string) => void;

export class Log {
  constructor(
    private readonly sink: LogSink,
    readonly verbosity = 5,
  ) {}

  v(level: number, line: string): void {
    if (level <= this.verbosity) this.sink(line);
  }
}
