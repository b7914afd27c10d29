/**
 * Where two runs part, step by step: the first common global step whose
 * fingerprints (train.jsonl `fingerprint`, see src/train/step-digest.ts)
 * differ and which of initial parameters → batch → gradients → update differed first, and, when
 * both runs have a gradient trace (grads.jsonl), the first layer in backward
 * order whose output gradient differs at the first step whose trace differs.
 * Steps are matched by global step, so runs of different lengths and resumed
 * runs compare over the steps both have.
 */
import { existsSync, readFileSync } from "node:fs";
import { gradsJsonlPath } from "../../rundir/index.js";
import { jsonEqual } from "./format.js";
import { isPlain, type Json } from "./inputs.js";
import type { TrainingSection, Verdict } from "./types.js";

/** What differed first within a step, in the order a step makes them. */
export type DivergenceKind = "init" | "batch" | "gradients" | "update";

export interface FirstStep {
  globalStep: number;
  epoch: number | null;
  step: number | null;
  kind: DivergenceKind;
  /** The last common fingerprinted step before it (all equal up to there), or null. */
  lastEqual: number | null;
  /** Common steps with fingerprints compared. */
  compared: number;
}

export interface FirstLayer {
  globalStep: number;
  /** First layer in backward order (from the loss) whose output gradient differs; null when only parameter gradients do. */
  layer: string | null;
  /** First parameter (name order) whose gradient differs, when no layer's does. */
  param: string | null;
}

export interface DivergenceSection {
  /** Null when the common fingerprinted steps are all equal (or there are none: see `compared`). */
  firstStep: FirstStep | null;
  compared: number;
  /** Null without a gradient trace in both runs, or when the traces agree. */
  firstLayer: FirstLayer | null;
  traced: boolean;
}

const KINDS: [DivergenceKind, string][] = [
  ["init", "init"],
  ["batch", "batch"],
  ["gradients", "grads"],
  ["update", "params"],
];

const byGlobalStep = (records: Json[]) => {
  const m = new Map<number, Json>();
  for (const r of records) if (typeof r.global_step === "number") m.set(r.global_step, r);
  return m;
};

/** The first common step whose fingerprints differ, from two runs' train.jsonl records. */
export function firstDifferingStep(a: Json[], b: Json[]): { first: FirstStep | null; compared: number } {
  const mapB = byGlobalStep(b.filter((r) => isPlain(r.fingerprint)));
  const common = [...byGlobalStep(a.filter((r) => isPlain(r.fingerprint))).entries()]
    .filter(([g]) => mapB.has(g))
    .sort(([x], [y]) => x - y);
  let lastEqual: number | null = null;
  for (const [g, ra] of common) {
    const [fa, fb] = [ra.fingerprint as Json, mapB.get(g)!.fingerprint as Json];
    const kind = KINDS.find(([, field]) => fa[field] !== fb[field])?.[0];
    if (!kind) {
      lastEqual = g;
      continue;
    }
    const n = (v: unknown) => (typeof v === "number" ? v : null);
    const first = {
      globalStep: g,
      epoch: n(ra.epoch),
      step: n(ra.step),
      kind,
      lastEqual,
      compared: common.length,
    };
    return { first, compared: common.length };
  }
  return { first: null, compared: common.length };
}

/** OUT/grads.jsonl records, or null when the run has none. */
export function readGradTrace(dir: string): Json[] | null {
  const path = gradsJsonlPath(dir);
  if (!existsSync(path)) return null;
  return readFileSync(path, "utf8")
    .split("\n")
    .flatMap((line) => {
      try {
        const r = JSON.parse(line);
        return isPlain(r) ? [r] : [];
      } catch {
        return []; // empty, or cut by a crash
      }
    });
}

const STATS = ["l2", "max_abs", "non_finite", "out_non_finite"];
const sameStats = (x: unknown, y: unknown) =>
  isPlain(x) && isPlain(y) && STATS.every((k) => jsonEqual(x[k], y[k]));

/** At the first common step whose traces differ: the first layer, walking back from the loss, whose gradient differs. */
export function firstDifferingLayer(a: Json[], b: Json[]): FirstLayer | null {
  const mapB = byGlobalStep(b);
  const steps = [...byGlobalStep(a).entries()].filter(([g]) => mapB.has(g)).sort(([x], [y]) => x - y);
  for (const [g, ra] of steps) {
    const rb = mapB.get(g)!;
    const layersB = new Map(
      (Array.isArray(rb.layers) ? rb.layers : []).filter(isPlain).map((l) => [l.layer, l] as const),
    );
    const layersA = (Array.isArray(ra.layers) ? ra.layers : []).filter(isPlain);
    const layer = [...layersA]
      .reverse()
      .find((l) => layersB.has(l.layer) && !sameStats(l, layersB.get(l.layer)));
    const [pa, pb] = [isPlain(ra.params) ? ra.params : {}, isPlain(rb.params) ? rb.params : {}];
    const param = Object.keys(pa)
      .sort()
      .find((k) => k in pb && !sameStats(pa[k], pb[k]));
    if (layer || param !== undefined)
      return {
        globalStep: g,
        layer: layer ? String(layer.layer) : null,
        param: layer ? null : (param ?? null),
      };
  }
  return null;
}

export function diffDivergence(
  dirA: string,
  dirB: string,
  stepsA: Json[] | null,
  stepsB: Json[] | null,
): DivergenceSection {
  const { first, compared } = firstDifferingStep(stepsA ?? [], stepsB ?? []);
  const [ta, tb] = [readGradTrace(dirA), readGradTrace(dirB)];
  return {
    firstStep: first,
    compared,
    traced: ta !== null && tb !== null,
    firstLayer: ta && tb ? firstDifferingLayer(ta, tb) : null,
  };
}

const KIND_TEXT: Record<DivergenceKind, string> = {
  init: "the initial parameters differed",
  batch: "the data batch differed",
  gradients: "same batch, different gradients",
  update:
    "same batch and gradients, different parameters after the update (learning rate, optimizer or clipping)",
};

const KIND_SHORT: Record<DivergenceKind, string> = {
  init: "the initial parameters",
  batch: "the batch",
  gradients: "the gradients",
  update: "the update",
};

/** `global step 3 (epoch 1, step 3): same batch, different gradients`. */
export function firstStepText(f: FirstStep): string {
  const where = f.epoch !== null ? ` (epoch ${f.epoch}, step ${f.step})` : "";
  const since =
    f.lastEqual !== null && f.lastEqual !== f.globalStep - 1 ? `; equal at global step ${f.lastEqual}` : "";
  return `global step ${f.globalStep}${where}: ${KIND_TEXT[f.kind]}${since}`;
}

export function firstLayerText(f: FirstLayer): string {
  return f.layer !== null
    ? `global step ${f.globalStep}: first differing output gradient, in backward order: layer ${f.layer}`
    : `global step ${f.globalStep}: no traced layer's output gradient differs; first differing parameter gradient: ${f.param}`;
}

/** The Training section's lines about the divergence. */
export function divergenceLines(d: DivergenceSection): string[] {
  const out: string[] = [];
  if (d.compared === 0)
    out.push("fingerprints: no common fingerprinted step (fingerprint_every_n_steps 0 or older runs)");
  else if (!d.firstStep)
    out.push(`fingerprints: ${d.compared} common steps, same batch, gradients and parameters`);
  else out.push(`fingerprints: first differ at ${firstStepText(d.firstStep)}`);
  if (d.firstLayer) out.push(`grads.jsonl: ${firstLayerText(d.firstLayer)}`);
  else if (d.traced) out.push("grads.jsonl: the gradient traces agree on every common step");
  return out;
}

/**
 * The run verdict with the first differing step in its line (`different:
 * first at epoch 1 (parameters; global step 0: ...)`) and the seeding
 * explanation, when there is one, as the first cause.
 */
export function refineRunVerdict(v: Verdict, t: TrainingSection, seeding: string | null): Verdict {
  const d = t.divergence;
  if (v.status === "not comparable" && d && d.compared > 0) {
    const steps = d.firstStep
      ? `step fingerprints first differ at global step ${d.firstStep.globalStep} (${KIND_SHORT[d.firstStep.kind]})`
      : `step fingerprints identical over ${d.compared} common steps`;
    return { ...v, line: `${v.line}; ${steps}` };
  }
  if (v.status !== "different") return v;
  const causes = seeding ? [seeding, ...v.causes] : v.causes;
  const step = d?.firstStep;
  const at = step ? `, at global step ${step.globalStep} (${KIND_SHORT[step.kind]})` : "";
  let line = v.line.replace(/^(different: first at [^(]*\(parameters\))/, `$1${at}`);
  if (seeding)
    line = line.replace(
      /; causes: (none found in the manifests or configs)?/,
      (_m, none) => `; causes: ${seeding}${none ? "" : ", "}`,
    );
  return { ...v, line, causes };
}
