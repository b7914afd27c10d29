/**
 * Scores systems with several metrics (optionally with a paired significance
 * test) and renders the result as JSON or as sacreBLEU-style text.
 */
import { Bleu, formatBleu } from "./bleu.js";
import { Chrf, formatChrf } from "./chrf.js";
import type { CorpusStats, Metric } from "./metric.js";
import { pyFixed } from "./pyformat.js";
import { type RefStreams, sumStats } from "./refs.js";
import type { Seed } from "./seed.js";
import { DEFAULT_SAMPLES, type NamedSystem, type PairedTestType, pairedTest } from "./significance.js";
import { formatTer, Ter } from "./ter.js";
import { ErrorRate, formatErrorRate } from "./wer.js";

/** One metric's result for one system. */
export interface MetricResult {
  readonly score: number;
  readonly signature: string;
  readonly signature_short: string;
  /** sacreBLEU's score line without the signature, e.g. `BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = ...)`. */
  readonly formatted: string;
  readonly [field: string]: unknown;
}

export interface SystemResult {
  readonly name: string;
  readonly baseline?: boolean;
  readonly metrics: Record<string, MetricResult>;
}

export interface PairedSettings {
  readonly type: PairedTestType;
  readonly n_samples: number;
  readonly seed: string;
}

export interface ScoreReport {
  readonly test?: PairedSettings;
  readonly systems: SystemResult[];
}

export interface ReportOptions {
  /** Decimals in `formatted` and the text output. */
  readonly width: number;
  readonly paired?: { readonly type: PairedTestType; readonly nSamples: number; readonly seed: Seed };
}

/** One metric's result for one system from its statistics, with the metric's own fields. */
function describe(metric: Metric, stats: CorpusStats, width: number): MetricResult {
  const sums = sumStats(stats.rows, metric.statWidth);
  const common = {
    signature: metric.signature(stats.nrefs),
    signature_short: metric.signature(stats.nrefs, {}, true),
  };
  if (metric instanceof Bleu) {
    const s = metric.fromStats(sums);
    return {
      score: s.score,
      ...common,
      formatted: formatBleu(s, width),
      counts: s.counts,
      totals: s.totals,
      precisions: s.precisions,
      bp: s.bp,
      sys_len: s.sys_len,
      ref_len: s.ref_len,
      ratio: s.ratio,
    };
  }
  const score = metric.scoreFromStats(sums);
  if (metric instanceof Ter) {
    return { score, ...common, formatted: formatTer(score, width), num_edits: sums[0], ref_length: sums[1] };
  }
  if (metric instanceof Chrf) return { score, ...common, formatted: formatChrf(metric.name, score, width) };
  if (metric instanceof ErrorRate) {
    const [substitutions, deletions, insertions, hits] = sums;
    return {
      score,
      ...common,
      formatted: formatErrorRate(metric.name, score, sums, width),
      substitutions,
      deletions,
      insertions,
      hits,
      ref_length: substitutions + deletions + hits,
    };
  }
  throw new TypeError(`unsupported metric ${metric.name}`);
}

/** Scores every system with every metric; with `paired`, the first system is the baseline. */
export function buildReport(
  systems: readonly NamedSystem[],
  metrics: readonly Metric[],
  refs: RefStreams,
  opts: ReportOptions,
): ScoreReport {
  const stats = systems.map((sys) => metrics.map((metric) => metric.corpusStats(sys.hyps, refs)));
  const results: SystemResult[] = systems.map((sys, i) => {
    const m: Record<string, MetricResult> = {};
    metrics.forEach((metric, k) => {
      m[metric.name] = describe(metric, stats[i][k], opts.width);
    });
    return opts.paired ? { name: sys.name, baseline: i === 0, metrics: m } : { name: sys.name, metrics: m };
  });
  if (!opts.paired) return { systems: results };

  const { type, seed } = opts.paired;
  const nSamples = opts.paired.nSamples > 0 ? opts.paired.nSamples : DEFAULT_SAMPLES[type];
  const out = pairedTest(systems, metrics, refs, { testType: type, nSamples, seed, stats });
  for (const metric of metrics) {
    out.results[metric.name].forEach((r, i) => {
      const prev = results[i].metrics[metric.name];
      results[i].metrics[metric.name] = {
        ...prev,
        signature: out.signatures[metric.name],
        signature_short: out.signaturesShort[metric.name],
        p_value: r.p_value,
        mean: r.mean,
        ci: r.ci,
      };
    });
  }
  return { test: { type, n_samples: nSamples, seed: seed.text }, systems: results };
}

/** The report as pretty-printed JSON. */
export function renderJson(report: ScoreReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * sacreBLEU-style text. One system: `BLEU|<signature> = 48.5 ...` per metric.
 * Several systems: the same lines prefixed by the system name. Paired tests: one
 * line per system with `(μ = mean ± ci)` and `(p = 0.0010)*` (star: p < 0.05),
 * then the signatures.
 */
export function renderText(report: ScoreReport, width: number, short: boolean): string {
  const sig = (r: MetricResult): string => (short ? r.signature_short : r.signature);
  const lines: string[] = [];
  const metricNames = report.systems.length ? Object.keys(report.systems[0].metrics) : [];
  if (!report.test) {
    const single = report.systems.length === 1;
    for (const sys of report.systems) {
      const block = metricNames.map((name) => {
        const r = sys.metrics[name];
        return r.formatted.replace(`${name} = `, `${name}|${sig(r)} = `);
      });
      if (single) lines.push(...alignOnEquals(block));
      else for (const line of block) lines.push(`${sys.name}\t${line}`);
    }
    return `${lines.join("\n")}\n`;
  }
  const t = report.test;
  lines.push(
    t.type === "bs"
      ? `Paired bootstrap resampling test (${t.n_samples} resamples, seed ${t.seed})`
      : `Paired approximate randomization test (${t.n_samples} trials, seed ${t.seed})`,
  );
  for (const sys of report.systems) {
    const cells = metricNames.map((name) => {
      const r = sys.metrics[name];
      let cell = `${name} = ${pyFixed(r.score, width)}`;
      if (typeof r.mean === "number" && typeof r.ci === "number") {
        cell += ` (μ = ${pyFixed(r.mean, width)} ± ${pyFixed(r.ci, width)})`;
      }
      if (typeof r.p_value === "number")
        cell += ` (p = ${pyFixed(r.p_value, 4)})${r.p_value < 0.05 ? "*" : ""}`;
      return cell;
    });
    lines.push(`${sys.baseline ? "Baseline: " : ""}${sys.name}\t${cells.join("\t")}`);
  }
  lines.push("Signatures:");
  if (report.systems.length) {
    for (const name of metricNames) lines.push(` ${name}|${sig(report.systems[0].metrics[name])}`);
  }
  return `${lines.join("\n")}\n`;
}

/** sacreBLEU's single-system alignment: right-align everything before each line's first " =". */
function alignOnEquals(lines: readonly string[]): string[] {
  const cut = lines.map((l) => l.indexOf("=") - 1);
  const w = Math.max(...cut);
  return lines.map((l, i) => l.slice(0, cut[i]).padStart(w) + l.slice(cut[i]));
}
