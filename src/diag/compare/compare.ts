/**
 * `repronet compare`: runs grouped by experiment (the same config up to
 * `random_seed`), a metric summarised per group at one epoch, each group
 * tested against the first (Welch's t-test), what distinguishes the groups'
 * configs (with `repronet diff`'s rules), and — the reproducibility check —
 * whether runs with the same seed in two groups whose configs differ in
 * nothing that can affect training have bit-identical parameters.
 */

import { configHash } from "../../rundir/index.js";
import { ReproError } from "../../util/errors.js";
import { diffConfigs } from "../diff/config-diff.js";
import { configCauses } from "../diff/verdict.js";
import { checkpointFingerprint, loadRunSummary, metricValue, type RunSummary } from "./runs.js";
import { type Summary, summarize, type WelchResult, welch } from "./stats.js";

export interface GroupReport {
  name: string;
  /** Each run's value at the compared epoch, and its curve (epoch, value) over every epoch that has the metric. */
  runs: { path: string; seed: number; value: number; curve: [number, number][] }[];
  summary: Summary;
  /** Config differences from the first group: those that can affect training, then the count of the others. */
  configVsFirst: { affecting: string[]; other: number } | null;
  /** Against the first group. */
  test: WelchResult | null;
  /** Same-seed runs of this and the first group: how many have bit-identical parameters at the epoch. */
  sameSeed: { seeds: number; identical: number; checked: number } | null;
}

export interface CompareReport {
  metric: string;
  epoch: number;
  /** "lower", "higher", or null when the metric's direction is unknown. */
  better: "lower" | "higher" | null;
  groups: GroupReport[];
  /** Facts that weaken the comparison (mixed environments, duplicate seeds). */
  notes: string[];
}

export interface CompareOptions {
  metric?: string;
  epoch?: number;
  /** A group name per path (a sweep's variants): group by these instead of by config. */
  labels?: string[];
}

export const groupName = (i: number): string => (i < 26 ? String.fromCharCode(65 + i) : `G${i + 1}`);

/** Which way is better for a score key: losses and errors lower, BLEU higher. */
export function betterDirection(metric: string): "lower" | "higher" | null {
  if (/_(score|error)(_|$)/.test(metric)) return "lower";
  if (/(^|_)(bleu|chrf|accuracy)$/.test(metric)) return "higher";
  return null;
}

/** Runs grouped by config without `random_seed`, groups in order of their first run. */
export function groupRuns(runs: RunSummary[]): RunSummary[][] {
  const groups = new Map<string, RunSummary[]>();
  for (const r of runs) {
    const key = configHash(r.config);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()];
}

/** Runs grouped by their label, groups in order of their first run. */
function groupByLabel(runs: RunSummary[], labels: string[]): RunSummary[][] {
  const groups = new Map<string, RunSummary[]>();
  runs.forEach((r, i) => {
    groups.set(labels[i], [...(groups.get(labels[i]) ?? []), r]);
  });
  return [...groups.values()];
}

function chooseEpoch(runs: RunSummary[], metric: string, asked: number | undefined): number {
  if (asked !== undefined) {
    const missing = runs.find((r) => metricValue(r, metric, asked) === undefined);
    if (missing) throw new ReproError(`${missing.path}: no ${metric} at epoch ${asked}`);
    return asked;
  }
  const common = [...runs[0].scores.keys()]
    .filter((e) => runs.every((r) => metricValue(r, metric, e) !== undefined))
    .sort((a, b) => b - a);
  if (common.length === 0) {
    const keys = Object.keys(runs[0].scores.values().next().value ?? {}).sort();
    throw new ReproError(
      `no epoch where every run has ${metric} (${runs[0].path} records: ${keys.join(", ") || "nothing"})`,
    );
  }
  return common[0];
}

function curve(run: RunSummary, metric: string): [number, number][] {
  return [...run.scores.keys()]
    .sort((a, b) => a - b)
    .flatMap((e) => {
      const v = metricValue(run, metric, e);
      return v === undefined ? [] : [[e, v] as [number, number]];
    });
}

function sameSeedCheck(
  first: RunSummary[],
  group: RunSummary[],
  fingerprint: (run: RunSummary) => string | null,
): GroupReport["sameSeed"] {
  const bySeed = new Map(first.map((r) => [r.seed, r]));
  const pairs = group.filter((r) => bySeed.has(r.seed)).map((r) => [bySeed.get(r.seed)!, r] as const);
  if (pairs.length === 0) return null;
  let checked = 0;
  let identical = 0;
  for (const [a, b] of pairs) {
    const [fa, fb] = [fingerprint(a), fingerprint(b)];
    if (fa === null || fb === null) continue;
    checked++;
    if (fa === fb) identical++;
  }
  return { seeds: pairs.length, identical, checked };
}

export async function compareRuns(paths: string[], o: CompareOptions = {}): Promise<CompareReport> {
  if (paths.length < 2) throw new ReproError("compare needs at least two run directories");
  const runs: RunSummary[] = [];
  for (const p of paths) runs.push(await loadRunSummary(p));
  const metric = o.metric ?? runs[0].errorKey;
  if (!metric) throw new ReproError(`${runs[0].path}: no error measure recorded; choose one with --metric`);
  const epoch = chooseEpoch(runs, metric, o.epoch);
  const notes: string[] = [];
  const envs = [...new Set(runs.map((r) => r.environment))];
  if (envs.length > 1) notes.push(`the runs used different code or kernels: ${envs.join("; ")}`);
  const labels = o.labels;
  const grouped = labels ? groupByLabel(runs, labels) : groupRuns(runs);
  const first = grouped[0];
  const metricOf = (r: RunSummary) => metricValue(r, metric, epoch)!;
  const summaries = grouped.map((g) => summarize(g.map(metricOf)));
  // The first group's checkpoints are compared with every other group's: read each once.
  const fingerprints = new Map<RunSummary, string | null>();
  const fingerprint = (r: RunSummary) => {
    if (!fingerprints.has(r)) fingerprints.set(r, checkpointFingerprint(r, epoch));
    return fingerprints.get(r) ?? null;
  };
  const groups = grouped.map((g, i): GroupReport => {
    const name = labels ? labels[runs.indexOf(g[0])] : groupName(i);
    const seeds = g.map((r) => r.seed);
    const dup = seeds.filter((s, k) => seeds.indexOf(s) !== k);
    if (dup.length > 0)
      notes.push(`group ${name} has several runs with seed ${[...new Set(dup)].join(", ")}`);
    let configVsFirst: GroupReport["configVsFirst"] = null;
    if (i > 0) {
      const d = diffConfigs(first[0].config, g[0].config, first[0].path, g[0].path);
      const affecting = configCauses(d);
      const total = d.keys.length + d.layers.length + (d.errorMeasure ? 1 : 0);
      configVsFirst = { affecting, other: total - affecting.length };
    }
    return {
      name,
      runs: g.map((r) => ({ path: r.path, seed: r.seed, value: metricOf(r), curve: curve(r, metric) })),
      summary: summaries[i],
      configVsFirst,
      test: i > 0 ? welch(summaries[0], summaries[i]) : null,
      sameSeed: i > 0 ? sameSeedCheck(first, g, fingerprint) : null,
    };
  });
  return { metric, epoch, better: betterDirection(metric), groups, notes };
}
