/**
 * What the HTML report shows beyond the compare report: each same-seed pair's
 * identity (group vs the first group), the `repronet diff` verdict of each
 * group's run against the first group's run with the same seed, per-epoch
 * mean and 95% confidence band of every group, and which groups' curves
 * overlap (in words, since overlapping lines hide each other).
 */
import { diffPaths } from "../diff/index.js";
import type { CompareReport, GroupReport } from "./compare.js";
import { checkpointFingerprint, loadRunSummary } from "./runs.js";
import { studentTQuantile } from "./stats.js";

export interface BandPoint {
  epoch: number;
  mean: number;
  /** Half-width of the 95% confidence interval of the mean (0 for one run). */
  half: number;
}

export interface ReportExtras {
  /** Per group after the first: each seed it shares with the first group, bit-identical or not (null: no checkpoint). */
  identity: { group: string; seeds: { seed: number; identical: boolean | null }[] }[];
  /** Per group after the first: `repronet diff FIRST_RUN GROUP_RUN` on a shared seed (else the first runs). */
  verdicts: { group: string; a: string; b: string; status: string; line: string; causes: string[] }[];
  /** Per group: mean and CI band over the epochs every run of the group has. */
  bands: BandPoint[][];
  /** Sentences about groups whose curves lie on or within each other. */
  overlaps: string[];
}

/** Mean and 95% CI half-width (Student t) per epoch that every run of the group has. */
export function meanBand(g: GroupReport): BandPoint[] {
  const epochs = [...new Set(g.runs.flatMap((r) => r.curve.map(([e]) => e)))].sort((a, b) => a - b);
  const out: BandPoint[] = [];
  for (const epoch of epochs) {
    const vs = g.runs.map((r) => r.curve.find(([e]) => e === epoch)?.[1]);
    if (vs.some((v) => v === undefined || !Number.isFinite(v))) continue;
    const xs = vs as number[];
    let sum = 0;
    for (const x of xs) sum += x;
    const mean = sum / xs.length;
    let ss = 0;
    for (const x of xs) ss += (x - mean) ** 2;
    const n = xs.length;
    const half = n > 1 ? (studentTQuantile(0.975, n - 1) * Math.sqrt(ss / (n - 1))) / Math.sqrt(n) : 0;
    out.push({ epoch, mean, half });
  }
  return out;
}

const sameCurve = (a: [number, number][], b: [number, number][]) =>
  a.length === b.length && a.every(([e, v], i) => b[i][0] === e && Object.is(b[i][1], v));

/** Which pairs of groups draw on top of each other: identical curves, or CI bands that overlap at every epoch. */
export function overlapNotes(r: CompareReport, bands: BandPoint[][]): string[] {
  const notes: string[] = [];
  for (let i = 0; i < r.groups.length; i++) {
    for (let j = i + 1; j < r.groups.length; j++) {
      const [a, b] = [r.groups[i], r.groups[j]];
      const bySeed = new Map(a.runs.map((run) => [run.seed, run.curve]));
      const pairs = b.runs.filter((run) => bySeed.has(run.seed));
      if (
        pairs.length === b.runs.length &&
        pairs.length === a.runs.length &&
        pairs.every((run) => sameCurve(bySeed.get(run.seed)!, run.curve))
      ) {
        notes.push(
          `${b.name} and ${a.name} have identical curves for every seed: ${b.name}'s lines lie exactly on ${a.name}'s (drawn on top, hiding them).`,
        );
        continue;
      }
      const bandA = new Map(bands[i].map((p) => [p.epoch, p]));
      const common = bands[j].filter((p) => bandA.has(p.epoch));
      const overlapping = common.filter((p) => {
        const q = bandA.get(p.epoch)!;
        return p.mean - p.half <= q.mean + q.half && q.mean - q.half <= p.mean + p.half;
      });
      if (common.length > 0 && overlapping.length === common.length)
        notes.push(
          `The 95% bands of ${a.name} and ${b.name} overlap at every epoch: their curves cannot be told apart from seed noise.`,
        );
      else if (overlapping.length > 0)
        notes.push(
          `The 95% bands of ${a.name} and ${b.name} overlap at ${overlapping.length} of ${common.length} epochs.`,
        );
    }
  }
  return notes;
}

export async function reportExtras(r: CompareReport): Promise<ReportExtras> {
  const [first, ...rest] = r.groups;
  const fingerprints = new Map<string, string | null>();
  const fingerprint = async (path: string) => {
    if (!fingerprints.has(path))
      fingerprints.set(path, checkpointFingerprint(await loadRunSummary(path), r.epoch));
    return fingerprints.get(path) ?? null;
  };
  const identity: ReportExtras["identity"] = [];
  const verdicts: ReportExtras["verdicts"] = [];
  for (const g of rest) {
    const seeds: { seed: number; identical: boolean | null }[] = [];
    for (const run of g.runs) {
      const twin = first.runs.find((x) => x.seed === run.seed);
      if (!twin) continue;
      const [fa, fb] = [await fingerprint(twin.path), await fingerprint(run.path)];
      seeds.push({ seed: run.seed, identical: fa === null || fb === null ? null : fa === fb });
    }
    identity.push({ group: g.name, seeds });
    const b = g.runs.find((x) => first.runs.some((y) => y.seed === x.seed)) ?? g.runs[0];
    const a = first.runs.find((x) => x.seed === b.seed) ?? first.runs[0];
    const d = await diffPaths(a.path, b.path);
    verdicts.push({
      group: g.name,
      a: a.path,
      b: b.path,
      status: d.verdict.status,
      line: d.verdict.line,
      causes: d.verdict.causes,
    });
  }
  const bands = r.groups.map(meanBand);
  return { identity, verdicts, bands, overlaps: overlapNotes(r, bands) };
}
