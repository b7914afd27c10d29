/**
 * The first output line: identical or different (or not comparable), where
 * the first difference is, and the causes the manifests and configs name.
 */
import { envCause } from "./environment.js";
import { arrow, listShort, sci } from "./format.js";
import type {
  ConfigSection,
  EnvironmentSection,
  ParametersSection,
  TrainingSection,
  Verdict,
} from "./types.js";

/** Config differences that can affect training: `learning_rate 0.001 → 0.002`, `aux added`. */
export function configCauses(c: ConfigSection): string[] {
  const out: string[] = [];
  for (const k of c.keys) {
    if (k.effect !== "affects") continue;
    out.push(k.change === "changed" ? `${k.path} ${arrow(k.a, k.b, 30)}` : `${k.path} ${k.change}`);
  }
  for (const l of c.layers) if (l.effect === "affects") out.push(`layer ${l.layer} ${l.change}`);
  if (c.errorMeasure?.effect === "affects")
    out.push(`error measure ${arrow(c.errorMeasure.a, c.errorMeasure.b, 40)}`);
  return out;
}

/** Environment differences that can affect training, seeds and dependencies grouped. */
export function envCauses(e: EnvironmentSection): string[] {
  const out: string[] = [];
  const groups = new Map<string, string[]>();
  for (const c of e.changes) {
    const group = c.field.startsWith("seeds.")
      ? "seeds"
      : c.field.startsWith("dependencies.")
        ? "dependencies"
        : null;
    if (group && c.effect === "affects") {
      const name = c.field.slice(group.length + 1);
      groups.set(group, [...(groups.get(group) ?? []), `${name} ${arrow(c.a, c.b, 20)}`]);
      continue;
    }
    const cause = envCause(c, e.changes);
    if (cause) out.push(cause);
  }
  for (const [group, items] of groups) out.push(`${group} (${listShort(items, 3)})`);
  return [...out, ...e.history];
}

/** The causes named in a verdict: config changes grouped, then environment changes. */
export function causesText(config: ConfigSection | null, env: EnvironmentSection | null): string[] {
  const cc = config ? configCauses(config) : [];
  return [...(cc.length > 0 ? [`config (${listShort(cc, 3)})`] : []), ...(env ? envCauses(env) : [])];
}

const withCauses = (head: string, causes: string[]) =>
  `${head}; causes: ${causes.length > 0 ? causes.join(", ") : "none found in the manifests or configs"}`;

/** The trailing remark about configs for an identical result. */
function configRemark(c: ConfigSection | null): string {
  if (!c || c.identical) return "";
  const n = c.keys.length + c.layers.length + (c.errorMeasure ? 1 : 0);
  if (c.affecting === 0)
    return `; the configs differ in ${n} place${n === 1 ? "" : "s"}, none can affect training`;
  return `; the configs differ: ${listShort(configCauses(c), 3)}`;
}

const extra = (t: TrainingSection) =>
  t.checkpointsOnlyA.length + t.checkpointsOnlyB.length > 0 ? "common " : "";

export function runVerdict(
  t: TrainingSection,
  config: ConfigSection | null,
  env: EnvironmentSection | null,
  params: ParametersSection | null,
): Verdict {
  const causes = causesText(config, env);
  if (t.checkpoints.length === 0) {
    const has = (l: string[]) => (l.length > 0 ? `${l[0]}…${l[l.length - 1]}` : "none");
    return {
      status: "not comparable",
      line: `not comparable: no common complete checkpoint (A: ${has(t.checkpointsOnlyA)}, B: ${has(t.checkpointsOnlyB)})`,
      causes,
    };
  }
  const newest = t.checkpoints[t.checkpoints.length - 1];
  if (t.firstDifferingCheckpoint === null) {
    return {
      status: "identical",
      line: `identical: same parameters after every ${extra(t)}epoch (${newest.digestA})${configRemark(config)}`,
      causes: [],
    };
  }
  const first = t.checkpoints.find((c) => !c.equal)!;
  const where = /^epoch\.\d+$/.test(first.name) ? `epoch ${first.epoch}` : first.name;
  const differing = t.checkpoints.filter((c) => !c.equal);
  if (differing.every((c) => c.sharedEqual === true)) {
    const sets: string[] = [];
    if (params?.onlyA.length) sets.push(`only A has ${listShort(params.onlyA, 3)}`);
    if (params?.onlyB.length) sets.push(`only B has ${listShort(params.onlyB, 3)}`);
    const which = sets.length > 0 ? sets.join("; ") : `the parameter sets differ from ${where}`;
    return {
      status: "different",
      line: `different: ${which}; the shared parameters are identical after every ${extra(t)}epoch`,
      causes: [],
    };
  }
  return {
    status: "different",
    line: withCauses(`different: first at ${where} (parameters)`, causes),
    causes,
  };
}

export function configVerdict(c: ConfigSection): Verdict {
  if (c.identical)
    return { status: "identical", line: `identical: same resolved config (${c.hashA})`, causes: [] };
  const n = c.keys.length + c.layers.length + (c.errorMeasure ? 1 : 0);
  if (c.affecting === 0)
    return {
      status: "identical",
      line: `identical: ${n} config difference${n === 1 ? "" : "s"}, none can affect training`,
      causes: [],
    };
  const causes = configCauses(c);
  return { status: "different", line: `different: ${listShort(causes, 3)}`, causes };
}

export function paramsVerdict(p: ParametersSection): Verdict {
  if (p.digestA === p.digestB)
    return { status: "identical", line: `identical: same parameters (${p.digestA})`, causes: [] };
  const parts: string[] = [];
  if (p.differing.length > 0) {
    const size = (d: (typeof p.differing)[number]) =>
      d.maxAbs === null || Number.isNaN(d.maxAbs) ? Number.POSITIVE_INFINITY : d.maxAbs;
    const worst = p.differing.reduce((w, d) => (size(d) > size(w) ? d : w));
    const shared = p.identical + p.differing.length;
    parts.push(
      `${p.differing.length} of ${shared} shared parameters differ (largest: ${worst.name} max|Δ| ${worst.maxAbs === null ? "shape" : sci(worst.maxAbs)})`,
    );
  }
  if (p.onlyA.length > 0) parts.push(`only in A: ${listShort(p.onlyA, 3)}`);
  if (p.onlyB.length > 0) parts.push(`only in B: ${listShort(p.onlyB, 3)}`);
  return { status: "different", line: `different: ${parts.join("; ")}`, causes: [] };
}
