/** The text and JSON forms of a compare report; the first text line is the verdict. */
import type { CompareReport, GroupReport } from "./compare.js";

/** Five significant digits, without trailing zeros. */
export const fmt = (x: number): string => (Number.isFinite(x) ? String(Number(x.toPrecision(5))) : String(x));
const signed = (x: number) => (x > 0 ? `+${fmt(x)}` : fmt(x));
const pText = (p: number) => (p < 0.001 ? "p < 0.001" : `p = ${p.toFixed(3)}`);

/** `B vs A: lower by 0.12 (p = 0.003)`, with the same-seed check when it says something. */
function groupVerdict(g: GroupReport, first: GroupReport, better: CompareReport["better"]): string {
  const head = `${g.name} vs ${first.name}`;
  let text: string;
  if (!g.test)
    text = `${head}: too few runs for a test (${first.summary.n} and ${g.summary.n}; needs 2 each)`;
  else if (g.test.pValue < 0.05) {
    const d = g.test.difference;
    const word =
      better === null ? (d > 0 ? "higher" : "lower") : d < 0 === (better === "lower") ? "better" : "worse";
    text = `${head}: ${word} by ${fmt(Math.abs(d))} (${pText(g.test.pValue)})`;
  } else text = `${head}: no significant difference (${pText(g.test.pValue)})`;
  const same = g.sameSeed;
  if (g.configVsFirst?.affecting.length === 0 && same && same.checked > 0) {
    text +=
      same.identical === same.checked
        ? `, same-seed runs bit-identical (${same.identical} of ${same.checked})`
        : `; UNEXPECTED: ${same.checked - same.identical} of ${same.checked} same-seed runs differ although no config difference can affect training (repronet diff says why)`;
  }
  return text;
}

export function renderCompareText(r: CompareReport): string[] {
  const [first, ...rest] = r.groups;
  const verdict =
    rest.length === 0
      ? `one group of ${first.summary.n} runs: ${r.metric} ${fmt(first.summary.mean)} ± ${fmt(first.summary.std)}`
      : rest.map((g) => groupVerdict(g, first, r.better)).join("; ");
  const direction = r.better ? `; ${r.better} is better` : "";
  const lines = [verdict, "", `${r.metric} at epoch ${r.epoch}${direction}`];
  for (const g of r.groups) {
    const s = g.summary;
    lines.push("");
    lines.push(
      `${g.name}  ${s.n} run${s.n === 1 ? "" : "s"}  mean ${fmt(s.mean)}  std ${fmt(s.std)}  min ${fmt(s.min)}  max ${fmt(s.max)}`,
    );
    for (const run of g.runs) lines.push(`   seed ${run.seed}  ${fmt(run.value)}  ${run.path}`);
    if (g.configVsFirst) {
      const c = g.configVsFirst;
      const n = (k: number) => `${k} difference${k === 1 ? "" : "s"}`;
      lines.push(
        c.affecting.length > 0
          ? `   config vs ${first.name}: ${c.affecting.join(", ")}${c.other > 0 ? ` (and ${n(c.other)} that cannot affect training)` : ""}`
          : `   config vs ${first.name}: ${n(c.other)}, none can affect training`,
      );
    }
    if (g.test) {
      const t = g.test;
      lines.push(
        `   ${g.name} − ${first.name} = ${signed(t.difference)} (95% CI ${signed(t.ci[0])} … ${signed(t.ci[1])}), Welch t = ${fmt(t.t)}, df = ${fmt(t.df)}, ${pText(t.pValue)}`,
      );
    }
    if (g.sameSeed) {
      const s2 = g.sameSeed;
      lines.push(
        s2.checked === 0
          ? `   same seeds as ${first.name}: ${s2.seeds}, no checkpoints at epoch ${r.epoch} to compare`
          : `   same seeds as ${first.name}: ${s2.identical} of ${s2.checked} bit-identical at epoch ${r.epoch}`,
      );
    }
  }
  if (r.notes.length > 0) lines.push("", ...r.notes.map((n) => `note: ${n}`));
  return lines;
}

export function renderCompareJson(r: CompareReport): string {
  return JSON.stringify(
    {
      metric: r.metric,
      epoch: r.epoch,
      better: r.better,
      groups: r.groups.map((g) => ({
        name: g.name,
        runs: g.runs,
        summary: g.summary,
        config_vs_first: g.configVsFirst,
        test: g.test && {
          difference: g.test.difference,
          t: g.test.t,
          df: g.test.df,
          p_value: g.test.pValue,
          ci: g.test.ci,
        },
        same_seed: g.sameSeed,
      })),
      notes: r.notes,
    },
    (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v),
    2,
  );
}
