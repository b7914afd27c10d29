/**
 * The Environment section: two run manifests (contract point 8) field by
 * field — framework version, commit and dirty flag, Node, platform,
 * dependency versions, kernels, threads, seeds, config hash, error measure —
 * plus each run's history (a run resumed under another config or code
 * version). Only differences are listed; equal fields are summarised. Fields
 * the trainer adds later are compared too, except times and the command.
 */
import { arrow, jsonEqual, shortCommit, show, sortedKeys } from "./format.js";
import { isPlain, type Json } from "./inputs.js";
import type { Effect, EnvChange, EnvironmentSection } from "./types.js";

interface Field {
  field: string;
  label: string;
  effect: Effect;
  note?: string;
}

const KNOWN: Field[] = [
  { field: "framework.version", label: "framework version", effect: "affects" },
  { field: "framework.commit", label: "framework commit", effect: "affects" },
  { field: "framework.dirty", label: "framework checkout dirty", effect: "affects" },
  { field: "node", label: "node", effect: "affects" },
  { field: "platform", label: "platform", effect: "affects" },
  { field: "kernels", label: "kernels", effect: "affects" },
  { field: "threads", label: "threads", effect: "none", note: "results never depend on the thread count" },
  { field: "config.sha256", label: "config hash", effect: "none", note: "see Config" },
  { field: "learning_rate_control.error_measure", label: "error measure", effect: "affects" },
  {
    field: "resumed_from_epoch",
    label: "resumed from epoch",
    effect: "none",
    note: "resuming gives exactly the run that never stopped",
  },
  { field: "format", label: "manifest format", effect: "none" },
];

/** Never compared: they differ between identical runs, or are shown elsewhere. */
const SKIP = new Set([
  "command",
  "started_at",
  "config.path",
  "config.resolved",
  "history",
  "framework.name",
  "learning_rate_control.reason",
]);
const VOLATILE = /(^|_)(at|time|times|elapsed|duration|host|hostname|pid)$/i;

function get(o: Json, path: string): unknown {
  let v: unknown = o;
  for (const k of path.split(".")) v = isPlain(v) ? v[k] : undefined;
  return v;
}

/** Leaf paths of a manifest (dicts recursed), without the skipped and known ones. */
function otherLeaves(o: Json, prefix = "", out: string[] = []): string[] {
  for (const k of sortedKeys(o)) {
    const path = `${prefix}${k}`;
    if (SKIP.has(path) || VOLATILE.test(k) || path === "dependencies" || path === "seeds") continue;
    if (KNOWN.some((f) => f.field === path)) continue;
    if (isPlain(o[k])) otherLeaves(o[k] as Json, `${path}.`, out);
    else out.push(path);
  }
  return out;
}

/** Leaves of a nested dict as dotted paths (`train.order_seed`). */
function leaves(o: unknown, prefix = ""): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!isPlain(o)) return out;
  for (const k of sortedKeys(o)) {
    if (isPlain(o[k])) for (const [p, v] of leaves(o[k], `${prefix}${k}.`)) out.set(p, v);
    else out.set(`${prefix}${k}`, o[k]);
  }
  return out;
}

/** A short description of a run's invocations when they used different configs or code. */
function historyNote(m: Json, side: string): string | null {
  const h = Array.isArray(m.history) ? m.history.filter(isPlain) : [];
  if (h.length < 2) return null;
  const what: string[] = [];
  const differs = (f: (r: Json) => unknown) => h.some((r) => !jsonEqual(f(r), f(h[0])));
  if (differs((r) => r.config_sha256)) what.push("configs");
  const fw = (r: Json) => (isPlain(r.framework) ? r.framework : {});
  if (differs((r) => [fw(r).version, fw(r).commit, fw(r).dirty])) {
    const commits = h.map((r) => shortCommit(fw(r).commit) + (fw(r).dirty ? " (dirty)" : ""));
    what.push(`framework versions (${[...new Set(commits)].join(" → ")})`);
  }
  if (differs((r) => r.node)) what.push("node versions");
  if (differs((r) => r.kernels)) what.push("kernels");
  if (what.length === 0) return null;
  return `${side} was trained in ${h.length} invocations with different ${what.join(", ")}`;
}

/** The error-measure key names the same score when only its naming (one loss vs several) differs. */
function sameMeasure(a: Json, b: Json): boolean {
  const [ka, kb] = [
    get(a, "learning_rate_control.error_measure"),
    get(b, "learning_rate_control.error_measure"),
  ];
  const [ra, rb] = [get(a, "learning_rate_control.reason"), get(b, "learning_rate_control.reason")];
  if (typeof ka !== "string" || typeof kb !== "string" || ra !== rb) return false;
  const bare = /^(dev|train)_(score|error)$/;
  return (bare.test(ka) && kb.startsWith(`${ka}_`)) || (bare.test(kb) && ka.startsWith(`${kb}_`));
}

export function diffEnvironments(a: Json, b: Json): EnvironmentSection {
  const changes: EnvChange[] = [];
  const same: string[] = [];
  for (const f of KNOWN) {
    const [va, vb] = [get(a, f.field), get(b, f.field)];
    if (va === undefined && vb === undefined) continue;
    if (jsonEqual(va, vb)) {
      const label = sameLabel(f, va, a);
      if (label) same.push(label);
      continue;
    }
    if (f.field === "learning_rate_control.error_measure" && sameMeasure(a, b)) {
      changes.push({
        ...f,
        a: va,
        b: vb,
        effect: "none",
        note: "the same loss; its key name follows the number of losses",
      });
      continue;
    }
    changes.push({ ...f, a: va, b: vb, ...(f.note && { note: f.note }) });
  }
  for (const [group, label] of [
    ["dependencies", "dependency"],
    ["seeds", "seed"],
  ] as const) {
    const [la, lb] = [leaves(a[group]), leaves(b[group])];
    let equal = 0;
    for (const k of [...new Set([...la.keys(), ...lb.keys()])].sort()) {
      if (jsonEqual(la.get(k), lb.get(k))) equal++;
      else
        changes.push({
          field: `${group}.${k}`,
          label: `${label} ${k}`,
          a: la.get(k),
          b: lb.get(k),
          effect: "affects",
        });
    }
    if (equal > 0)
      same.push(
        group === "seeds" && equal === la.size
          ? seedsLabel(la)
          : `${equal}${equal < la.size ? " other" : ""} ${group}`,
      );
  }
  for (const path of [...new Set([...otherLeaves(a), ...otherLeaves(b)])].sort()) {
    const [va, vb] = [get(a, path), get(b, path)];
    if (!jsonEqual(va, vb))
      changes.push({
        field: path,
        label: path,
        a: va,
        b: vb,
        effect: "affects",
        note: "a manifest field diff does not know",
      });
  }
  const history = [historyNote(a, "A"), historyNote(b, "B")].filter((n): n is string => n !== null);
  return { changes, same, history, notes: [] };
}

function seedsLabel(seeds: Map<string, unknown>): string {
  const main = seeds.get("random_seed");
  return main === undefined ? "seeds" : `seeds (random_seed ${show(main)})`;
}

function sameLabel(f: Field, v: unknown, m: Json): string {
  if (v === null || f.field === "format") return "";
  if (f.field === "framework.version") return `framework ${show(v)}`;
  if (f.field === "framework.commit") {
    const dirty = get(m, "framework.dirty");
    return `commit ${shortCommit(v)}${dirty === true ? " (dirty)" : dirty === false ? " (clean)" : ""}`;
  }
  if (f.field === "framework.dirty") return "";
  if (f.field === "config.sha256") return "config hash";
  return `${f.label} ${show(v)}`;
}

/** A cause for the verdict line: `framework commit 1a2b3c4 → 4d5e6f7 (dirty)`. */
export function envCause(c: EnvChange, all: readonly EnvChange[]): string | null {
  if (c.effect !== "affects") return null;
  if (c.field === "framework.commit") {
    const dirtyB = all.find((x) => x.field === "framework.dirty")?.b;
    return `framework commit ${shortCommit(c.a)} → ${shortCommit(c.b)}${dirtyB === true ? " (dirty)" : ""}`;
  }
  if (c.field === "framework.dirty") {
    if (all.some((x) => x.field === "framework.commit")) return null;
    return `framework checkout ${c.a === true ? "dirty" : "clean"} → ${c.b === true ? "dirty" : "clean"}`;
  }
  return `${c.label} ${arrow(c.a, c.b, 30)}`;
}
