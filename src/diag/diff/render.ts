/** Renders a DiffReport as text (the default output) or as one JSON object (`--json`). */
import { finiteJson } from "../../rundir/index.js";
import { arrow, listShort, sci, shortCommit, show } from "./format.js";
import { divergenceLines } from "./steps.js";
import type {
  ConfigSection,
  DiffReport,
  EnvironmentSection,
  KeyChange,
  LayerChange,
  ParametersSection,
  StepDifference,
  TrainingSection,
} from "./types.js";

const shortDigest = (d: string) => (d.startsWith("sha256:") ? `${d.slice(0, 19)}…` : d);
const MAX_LINES = 12;

function environmentLines(e: EnvironmentSection): string[] {
  const out: string[] = [];
  if (e.same.length > 0) out.push(`same: ${e.same.join(", ")}`);
  for (const c of e.changes) {
    const note = c.note ? ` (${c.note})` : c.effect === "none" ? " (cannot affect training)" : "";
    const [a, b] = c.field === "framework.commit" ? [shortCommit(c.a), shortCommit(c.b)] : [c.a, c.b];
    out.push(`${c.label}: ${arrow(a, b, 40)}${note}`);
  }
  out.push(...e.history, ...e.notes);
  return out;
}

function keyLine(k: KeyChange): string {
  const what =
    k.change === "changed"
      ? arrow(k.a, k.b)
      : k.change === "added"
        ? `added ${show(k.b)}`
        : `removed (was ${show(k.a)})`;
  const why = k.effect === "none" ? `${k.reason} (cannot affect training)` : k.reason;
  return `${k.path}: ${what} — ${why}`;
}

function layerLine(l: LayerChange): string {
  if (l.change !== "changed") return `layer ${l.layer} ${l.change} (${l.className}): ${l.reason}`;
  const opts = (l.options ?? []).map((o) =>
    o.change === "changed" ? `${o.option} ${arrow(o.a, o.b, 40)}` : `${o.option} ${o.change}`,
  );
  return `layer ${l.layer} changed${opts.length > 0 ? ` (${opts.join("; ")})` : ""}: ${l.reason}`;
}

function configLines(c: ConfigSection): string[] {
  if (c.identical) return [`same resolved config (${shortDigest(c.hashA)})`];
  const n = c.keys.length + c.layers.length + (c.errorMeasure ? 1 : 0);
  const out = [
    `${n} difference${n === 1 ? "" : "s"} (${c.keys.length} in keys, ${c.layers.length} in layers), ${c.affecting === 0 ? "none" : c.affecting} can affect training`,
  ];
  if (c.networkError) out.push(`network not classified: ${c.networkError}`);
  out.push(...c.layers.map(layerLine), ...c.keys.map(keyLine));
  const m = c.errorMeasure;
  if (m)
    out.push(
      `error measure: ${arrow(m.a, m.b, 50)} — ${m.reason}${m.effect === "none" ? " (cannot affect training)" : ""}`,
    );
  return out;
}

function trainingLines(t: TrainingSection): string[] {
  const out: string[] = [];
  const lr = t.learningRates;
  if (lr) {
    const n = lr.epochs.length;
    const first = lr.epochs.find((e) => e.epoch === lr.firstDiffering);
    if (!first)
      out.push(`learning_rates.json: ${n} common epoch${n === 1 ? "" : "s"}, same learning rates and scores`);
    else {
      const what = !first.learningRate.equal
        ? `learning rate ${arrow(first.learningRate.a, first.learningRate.b)}`
        : first.firstScore
          ? `${first.firstScore.key} ${arrow(first.firstScore.a, first.firstScore.b)}`
          : "step count";
      out.push(`learning_rates.json: first differ at epoch ${first.epoch}: ${what}`);
    }
    if (lr.scoreKeysOnlyA.length > 0) out.push(`scores only in A: ${listShort(lr.scoreKeysOnlyA)}`);
    if (lr.scoreKeysOnlyB.length > 0) out.push(`scores only in B: ${listShort(lr.scoreKeysOnlyB)}`);
    if (lr.epochsOnlyA.length + lr.epochsOnlyB.length > 0)
      out.push(
        `epochs only in A: ${lr.epochsOnlyA.join(", ") || "none"}; only in B: ${lr.epochsOnlyB.join(", ") || "none"}`,
      );
  }
  const s = t.steps;
  if (s) {
    if (!s.first) out.push(`train.jsonl: ${s.compared} common steps, same objective, costs and errors`);
    else out.push(`train.jsonl: objective/costs first differ at ${stepText(s.first)}`);
    if (s.firstOther)
      out.push(`train.jsonl: ${s.firstOther.field} first differs at ${stepText(s.firstOther)}`);
    if (s.costKeysOnlyA.length > 0) out.push(`costs only in A: ${listShort(s.costKeysOnlyA)}`);
    if (s.costKeysOnlyB.length > 0) out.push(`costs only in B: ${listShort(s.costKeysOnlyB)}`);
  }
  const cps = t.checkpoints;
  const shown = cps.length <= MAX_LINES ? cps : cps.filter((c) => !c.equal).slice(0, MAX_LINES);
  for (const c of shown) {
    const state = c.equal
      ? `same (${shortDigest(c.digestA)})`
      : `differ (${shortDigest(c.digestA)} vs ${shortDigest(c.digestB)})${c.sharedEqual ? "; shared parameters identical" : ""}`;
    out.push(`${c.name}: ${state}`);
  }
  if (shown.length < cps.length) {
    const diff = cps.filter((c) => !c.equal).length;
    out.push(`${cps.length} common checkpoints: ${cps.length - diff} same, ${diff} differ`);
  }
  if (t.divergence) out.push(...divergenceLines(t.divergence));
  if (t.firstDifferingCheckpoint) out.push(`first differing parameters: ${t.firstDifferingCheckpoint}`);
  if (t.checkpointsOnlyA.length > 0) out.push(`checkpoints only in A: ${listShort(t.checkpointsOnlyA)}`);
  if (t.checkpointsOnlyB.length > 0) out.push(`checkpoints only in B: ${listShort(t.checkpointsOnlyB)}`);
  out.push(...t.notes);
  return out;
}

function stepText(d: StepDifference): string {
  const where =
    d.epoch !== null
      ? `epoch ${d.epoch} step ${d.step} (global step ${d.globalStep})`
      : `global step ${d.globalStep}`;
  return `${where}: ${d.field} ${arrow(d.a, d.b)}`;
}

function parameterLines(p: ParametersSection): string[] {
  const out: string[] = [];
  const summary = [`${p.identical} identical`, `${p.differing.length} differ`];
  if (p.onlyA.length > 0) summary.push(`${p.onlyA.length} only in A`);
  if (p.onlyB.length > 0) summary.push(`${p.onlyB.length} only in B`);
  out.push(summary.join(", "));
  for (const d of p.differing.slice(0, MAX_LINES)) {
    if (d.maxAbs === null) out.push(`${d.name}: shape [${d.shapeA}] → [${d.shapeB}]`);
    else out.push(`${d.name}: max|Δ| ${sci(d.maxAbs)}, relative L2 ${sci(d.relL2 ?? 0)}`);
  }
  if (p.differing.length > MAX_LINES)
    out.push(`… and ${p.differing.length - MAX_LINES} more (--json lists all)`);
  if (p.onlyA.length > 0) out.push(`only in A: ${listShort(p.onlyA)}`);
  if (p.onlyB.length > 0) out.push(`only in B: ${listShort(p.onlyB)}`);
  return out;
}

/** The text output: the verdict line, the inputs, then each section that applies. */
export function renderText(r: DiffReport): string[] {
  const out = [r.verdict.line, "", `A: ${r.a.path} (${r.a.kind})`, `B: ${r.b.path} (${r.b.kind})`];
  const section = (title: string, lines: string[]) => {
    if (lines.length > 0) out.push("", title, ...lines.map((l) => `  ${l}`));
  };
  if (r.environment) section("Environment", environmentLines(r.environment));
  if (r.config) section("Config", configLines(r.config));
  if (r.training) section("Training", trainingLines(r.training));
  if (r.parameters) {
    const which = r.parameters.checkpoint ? ` (${r.parameters.checkpoint})` : "";
    section(`Parameters${which}`, parameterLines(r.parameters));
  }
  return out;
}

/** `--json`: the whole report as one JSON object (non-finite numbers as strings, like the run files). */
export function renderJson(r: DiffReport): string {
  return JSON.stringify(r, finiteJson, 2);
}
