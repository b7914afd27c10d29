/**
 * `repronet compare … --html report.html`: one self-contained page (inline
 * CSS, SVG and a few lines of script; nothing loaded from the network) with
 * the verdict, learning curves, final-metric distributions, the Welch test of
 * each group against the first, the same-seed identity table and the
 * `repronet diff` verdict of each group's config.
 */
import type { CompareReport } from "./compare.js";
import { colorOf, curvesSvg, distributionSvg, esc } from "./html-charts.js";
import type { ReportExtras } from "./html-data.js";
import { fmt, renderCompareText } from "./render.js";

const signed = (x: number) => (x > 0 ? `+${fmt(x)}` : fmt(x));
const pText = (p: number) => (p < 0.001 ? "&lt; 0.001" : p.toFixed(3));

function testTable(r: CompareReport): string {
  const first = r.groups[0];
  const rows = r.groups.map((g, i) => {
    const s = g.summary;
    const t = g.test;
    const test = t
      ? `<td>${signed(t.difference)}</td><td>${signed(t.ci[0])} … ${signed(t.ci[1])}</td><td>${fmt(t.t)}</td><td>${fmt(t.df)}</td><td>${pText(t.pValue)}</td><td>${t.pValue < 0.05 ? "significant" : "not significant"}</td>`
      : `<td colspan="6">${i === 0 ? "baseline" : "too few runs for a test (needs 2 per group)"}</td>`;
    return `<tr><td><span class="swatch" style="background:${colorOf(i)}"></span>${esc(g.name)}</td><td>${s.n}</td><td>${fmt(s.mean)}</td><td>${fmt(s.std)}</td>${test}</tr>`;
  });
  return [
    `<table id="welch"><caption>${esc(r.metric)} at epoch ${r.epoch}: each variant against ${esc(first.name)} (Welch's t-test, 95% CI of the difference)</caption>`,
    "<tr><th>variant</th><th>runs</th><th>mean</th><th>std</th><th>difference</th><th>95% CI</th><th>t</th><th>df</th><th>p</th><th>verdict</th></tr>",
    ...rows,
    "</table>",
  ].join("\n");
}

function identityTable(r: CompareReport, x: ReportExtras): string {
  const first = r.groups[0].name;
  const seeds = [...new Set(r.groups[0].runs.map((run) => run.seed))];
  const cell = (v: boolean | null | undefined) =>
    v === undefined
      ? "<td>–</td>"
      : v === null
        ? '<td class="na">no checkpoint</td>'
        : v
          ? '<td class="same">identical</td>'
          : '<td class="diff">differs</td>';
  const rows = x.identity.map((row) => {
    const by = new Map(row.seeds.map((s) => [s.seed, s.identical]));
    const all = row.seeds.length > 0 && row.seeds.every((s) => s.identical === true);
    const note = all ? `<td class="same"><b>bit-identical to ${esc(first)}: a no-op</b></td>` : "<td></td>";
    return `<tr><td>${esc(row.group)}</td>${seeds.map((s) => cell(by.get(s))).join("")}${note}</tr>`;
  });
  return [
    `<table id="identity"><caption>Same seed, bit-identical parameters at epoch ${r.epoch}? (each variant vs ${esc(first)})</caption>`,
    `<tr><th>variant</th>${seeds.map((s) => `<th>seed ${s}</th>`).join("")}<th></th></tr>`,
    ...rows,
    "</table>",
  ].join("\n");
}

function verdictList(r: CompareReport, x: ReportExtras): string {
  const items = x.verdicts.map((v) => {
    const g = r.groups.find((gg) => gg.name === v.group);
    const c = g?.configVsFirst;
    const config = !c
      ? ""
      : c.affecting.length > 0
        ? `config changes that can affect training: ${esc(c.affecting.join(", "))}${c.other > 0 ? ` (and ${c.other} that cannot)` : ""}`
        : `${c.other} config difference${c.other === 1 ? "" : "s"}, none can affect training`;
    const causes =
      v.causes.length > 0 ? `<ul>${v.causes.map((k) => `<li>${esc(k)}</li>`).join("")}</ul>` : "";
    return `<li class="verdict" data-group="${esc(v.group)}"><b>${esc(v.group)}</b>: ${config}<br><code>repronet diff ${esc(v.a)} ${esc(v.b)}</code>: ${esc(v.line)}${causes}</li>`;
  });
  return `<ul id="verdicts">${items.join("\n")}</ul>`;
}

/** Clicking a legend entry hides or shows that variant's lines. */
const SCRIPT = `
for (const item of document.querySelectorAll(".legend-item")) {
  item.addEventListener("click", () => {
    const g = item.getAttribute("data-group");
    item.classList.toggle("off");
    for (const el of document.querySelectorAll('#curves [data-group="' + CSS.escape(g) + '"]:not(.legend-item)'))
      el.style.display = item.classList.contains("off") ? "none" : "";
  });
}`;

const STYLE = `
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 900px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
caption { text-align: left; font-weight: bold; padding-bottom: 4px; }
td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
.same { background: #e6f4e6; } .diff { background: #fbe9e9; } .na { color: #888; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; }
.legend-item.off { opacity: 0.3; }
.verdict-line { font-size: 15px; background: #f4f4f4; padding: 8px; }
`;

export function renderCompareHtml(r: CompareReport, x: ReportExtras, title = "repronet compare"): string {
  const verdict = renderCompareText(r)[0];
  const notes = r.notes.map((n) => `<li>${esc(n)}</li>`).join("");
  const overlaps =
    x.overlaps.length > 0
      ? x.overlaps.map((o) => `<li>${esc(o)}</li>`).join("")
      : "<li>No two variants' curves overlap.</li>";
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>${esc(title)}</h1>`,
    `<p class="verdict-line" id="verdict">${esc(verdict)}</p>`,
    `<p>${esc(r.metric)}${r.better ? ` (${r.better} is better)` : ""}, compared at epoch ${r.epoch}; ${r.groups.length} variants, ${r.groups.reduce((n, g) => n + g.runs.length, 0)} runs.</p>`,
    notes ? `<ul id="notes">${notes}</ul>` : "",
    "<h2>Learning curves</h2>",
    "<p>Thin lines: one run (seed) each; thick line: the variant's mean; shaded band: 95% confidence interval of the mean; dashed line: the compared epoch. Click a legend entry to hide a variant.</p>",
    curvesSvg(r, x.bands),
    `<ul id="overlaps">${overlaps}</ul>`,
    "<h2>Final metric per variant</h2>",
    distributionSvg(r, x.bands),
    "<h2>Against the baseline</h2>",
    testTable(r),
    "<h2>Same-seed identity</h2>",
    identityTable(r, x),
    "<h2>What each variant changes (repronet diff)</h2>",
    verdictList(r, x),
    `<script>${SCRIPT}</script>`,
    "</body></html>",
    "",
  ].join("\n");
}
