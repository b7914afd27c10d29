/**
 * The gradient trace (`debug_grad`, `--debug-grad`): per training step, for
 * each traced layer output (in forward order) and each trainable parameter
 * (in name order), the gradient's L2 norm, max |g| and number of non-finite
 * values — and for layer outputs the non-finite count of the output itself —
 * appended to OUT/grads.jsonl like train.jsonl:
 *
 *   {"global_step":3,"epoch":1,"step":3,"loss":2.1,
 *    "layers":[{"layer":"enc_01_ff","out_non_finite":0,"l2":0.12,"max_abs":0.01,"non_finite":0},...],
 *    "params":{"enc_01_ff/W":{"l2":0.3,"max_abs":0.02,"non_finite":0},...]}
 *
 * A layer whose output gets no gradient (report-only) has l2, max_abs and
 * non_finite null. Sums are float64 in index order: the same numbers in every run.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from "node:fs";
import { gradsJsonlPath } from "../rundir/index.js";
import type { Tensor } from "../tensor/tensor.js";
import { writeFileAtomic } from "../util/atomic.js";

export interface GradStats {
  l2: number | null;
  max_abs: number | null;
  non_finite: number | null;
}

export interface LayerTrace extends GradStats {
  layer: string;
  /** Non-finite values in the layer's output. */
  out_non_finite: number;
}

export interface GradRecord {
  global_step: number;
  epoch: number;
  step: number;
  loss: number;
  layers: LayerTrace[];
  params: Record<string, GradStats>;
}

/** L2 norm (float64, index order), max |x| and non-finite count of one tensor; the norm and max skip non-finite values. */
export function gradStats(t: Tensor | null | undefined): GradStats {
  if (!t) return { l2: null, max_abs: null, non_finite: null };
  const d = t.data;
  let sum = 0;
  let max = 0;
  let bad = 0;
  for (let i = 0; i < d.length; i++) {
    const x = d[i];
    if (!Number.isFinite(x)) {
      bad++;
      continue;
    }
    sum += x * x;
    const a = Math.abs(x);
    if (a > max) max = a;
  }
  return { l2: Math.sqrt(sum), max_abs: max, non_finite: bad };
}

/** The layers to trace: `debug_grad: true` traces all; a list names layers by name or full path. */
export type LayerFilter = (path: string) => boolean;

export function layerFilter(debugGrad: true | readonly string[]): LayerFilter {
  if (debugGrad === true) return () => true;
  const wanted = new Set(debugGrad);
  return (path) => wanted.has(path) || wanted.has(path.slice(path.lastIndexOf("/") + 1));
}

/** The per-step record from the layer outputs (forward order), their retained gradients and the parameter gradients. */
export function traceRecord(
  at: { global_step: number; epoch: number; step: number; loss: number },
  outputs: readonly { path: string; value: Tensor }[],
  retained: ReadonlyMap<Tensor, Tensor>,
  params: readonly { name: string }[],
  grads: readonly (Tensor | null)[],
  keep: LayerFilter,
): GradRecord {
  const layers = outputs
    .filter((o) => keep(o.path))
    .map((o) => ({
      layer: o.path,
      out_non_finite: gradStats(o.value).non_finite!,
      ...gradStats(retained.get(o.value)),
    }));
  const stats: Record<string, GradStats> = {};
  params.forEach((p, i) => {
    stats[p.name] = gradStats(grads[i]);
  });
  return { ...at, layers, params: stats };
}

/**
 * The non-finite guard: the first layer, in forward order, whose output is
 * non-finite; else the first layer in backward order (where a bad gradient
 * enters: it spreads to every layer before it) whose output gradient is;
 * else the first parameter whose gradient is; or null.
 */
export function firstNonFinite(r: GradRecord): string | null {
  const out = r.layers.find((l) => l.out_non_finite > 0);
  if (out)
    return `layer "${out.layer}" has a non-finite output (${out.out_non_finite} values; loss ${r.loss})`;
  const grad = [...r.layers].reverse().find((l) => l.non_finite);
  if (grad)
    return `layer "${grad.layer}" has a non-finite gradient (${grad.non_finite} values; loss ${r.loss})`;
  const p = Object.entries(r.params).find(([, s]) => s.non_finite);
  return p ? `parameter "${p[0]}" has a non-finite gradient (loss ${r.loss})` : null;
}

/** OUT/grads.jsonl, opened for appending; records at or after `fromStep` (a resumed run redoes them) are dropped. */
export class GradTraceFile {
  private fd: number;

  constructor(outDir: string, fromStep: number) {
    const path = gradsJsonlPath(outDir);
    const kept = existsSync(path)
      ? readFileSync(path, "utf8")
          .split("\n")
          .filter((line) => globalStepOf(line) < fromStep)
      : [];
    writeFileAtomic(path, kept.map((l) => `${l}\n`).join(""));
    this.fd = openSync(path, "a");
  }

  write(r: GradRecord): void {
    writeSync(
      this.fd,
      `${JSON.stringify(r, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v))}\n`,
    );
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** A record line's global step; Infinity for a line cut by a crash (dropped). */
function globalStepOf(line: string): number {
  try {
    const step = (JSON.parse(line) as { global_step?: unknown }).global_step;
    return typeof step === "number" ? step : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
