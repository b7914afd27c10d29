/**
 * The two inline SVG charts of the HTML report: learning curves (a thin line
 * per run, a thick line for the group mean, a shaded 95% band) and the
 * final-metric distribution (a dot per run, the mean and its 95% interval).
 * Every element carries a class and data attributes so that the page's
 * script, and the browser test, can find runs and groups.
 */
import type { CompareReport } from "./compare.js";
import type { BandPoint } from "./html-data.js";
import { niceTicks, PALETTE } from "./plot.js";
import { fmt } from "./render.js";

export const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
export const colorOf = (i: number): string => PALETTE[i % PALETTE.length];

interface Frame {
  w: number;
  h: number;
  m: { left: number; right: number; top: number; bottom: number };
}

/** A scale from [lo, hi] (padded by 5%) to pixels. */
function scale(lo: number, hi: number, from: number, to: number, pad = 0.05) {
  const p = (hi - lo) * pad || Math.abs(lo) * pad || 1;
  const [a, b] = [lo - p, hi + p];
  return { lo: a, hi: b, at: (v: number) => from + ((v - a) / (b - a)) * (to - from) };
}

function axes(
  f: Frame,
  xTicks: [number, string][],
  yTicks: number[],
  py: (v: number) => number,
  xLabel: string,
  yLabel: string,
): string[] {
  const { w, h, m } = f;
  const out = [
    `<rect x="${m.left}" y="${m.top}" width="${w - m.left - m.right}" height="${h - m.top - m.bottom}" fill="none" stroke="#888"/>`,
  ];
  for (const t of yTicks) {
    const y = py(t).toFixed(1);
    out.push(`<line x1="${m.left}" x2="${w - m.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const [x, label] of xTicks)
    out.push(`<text x="${x.toFixed(1)}" y="${h - m.bottom + 18}" text-anchor="middle">${esc(label)}</text>`);
  out.push(
    `<text class="axis-label" x="${(m.left + w - m.right) / 2}" y="${h - 10}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text class="axis-label" transform="translate(16 ${(m.top + h - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
  );
  return out;
}

/** A clip path for the plot area (wide confidence bands end at the frame). */
const clip = (id: string, f: Frame): string =>
  `<clipPath id="${id}"><rect x="${f.m.left}" y="${f.m.top}" width="${f.w - f.m.left - f.m.right}" height="${f.h - f.m.top - f.m.bottom}"/></clipPath>`;

function legend(r: CompareReport, x: number, y0: number): string[] {
  return r.groups.flatMap((g, i) => {
    const y = y0 + i * 20;
    return [
      `<g class="legend-item" data-group="${esc(g.name)}" style="cursor:pointer">`,
      `<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="${colorOf(i)}" stroke-width="3"/>`,
      `<text x="${x + 30}" y="${y + 4}">${esc(g.name)} (${g.runs.length} run${g.runs.length === 1 ? "" : "s"})</text>`,
      "</g>",
    ];
  });
}

export function curvesSvg(r: CompareReport, bands: BandPoint[][]): string {
  const f: Frame = { w: 820, h: 440, m: { left: 80, right: 200, top: 20, bottom: 52 } };
  const pts = r.groups
    .flatMap((g) => g.runs.flatMap((run) => run.curve))
    .filter(([, v]) => Number.isFinite(v));
  // The axis fits the runs; wider bands (few seeds) are clipped to the frame.
  const ys = pts.map(([, v]) => v);
  const xs = pts.map(([e]) => e);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs, x0 + 1);
  const px = (e: number) => f.m.left + ((e - x0) / (x1 - x0)) * (f.w - f.m.left - f.m.right);
  const y = scale(Math.min(...ys), Math.max(...ys), f.h - f.m.bottom, f.m.top);
  const path = (p: [number, number][]) =>
    p
      .filter(([, v]) => Number.isFinite(v))
      .map(([e, v], i) => `${i ? "L" : "M"}${px(e).toFixed(1)},${y.at(v).toFixed(1)}`)
      .join(" ");
  const xTicks = niceTicks(x0, x1)
    .filter(Number.isInteger)
    .map((t): [number, string] => [px(t), String(t)]);
  const out = [
    `<svg id="curves" xmlns="http://www.w3.org/2000/svg" width="${f.w}" height="${f.h}" viewBox="0 0 ${f.w} ${f.h}" font-family="sans-serif" font-size="12" role="img" aria-label="learning curves">`,
    `<rect width="${f.w}" height="${f.h}" fill="white"/>`,
    clip("curves-frame", f),
    ...axes(f, xTicks, niceTicks(y.lo, y.hi), y.at, "epoch", r.metric),
    `<line x1="${px(r.epoch).toFixed(1)}" x2="${px(r.epoch).toFixed(1)}" y1="${f.m.top}" y2="${f.h - f.m.bottom}" stroke="#555" stroke-dasharray="4 3"><title>compared epoch ${r.epoch}</title></line>`,
  ];
  r.groups.forEach((g, i) => {
    const c = colorOf(i);
    const band = bands[i];
    const name = esc(g.name);
    if (band.length > 0 && band.some((p) => p.half > 0)) {
      const upper = band.map((p) => `${px(p.epoch).toFixed(1)},${y.at(p.mean + p.half).toFixed(1)}`);
      const lower = band
        .map((p) => `${px(p.epoch).toFixed(1)},${y.at(p.mean - p.half).toFixed(1)}`)
        .reverse();
      out.push(
        `<polygon class="ci-band" clip-path="url(#curves-frame)" data-group="${name}" points="${[...upper, ...lower].join(" ")}" fill="${c}" fill-opacity="0.15" stroke="none"/>`,
      );
    }
    for (const run of g.runs)
      out.push(
        `<path class="run-curve" data-group="${name}" data-run="${esc(run.path)}" d="${path(run.curve)}" fill="none" stroke="${c}" stroke-opacity="0.45" stroke-width="1"><title>${name}, seed ${run.seed}: ${esc(run.path)}</title></path>`,
      );
    out.push(
      `<path class="mean-curve" data-group="${name}" d="${path(band.map((p) => [p.epoch, p.mean]))}" fill="none" stroke="${c}" stroke-width="3"><title>${name}: mean of ${g.runs.length}</title></path>`,
    );
  });
  out.push(...legend(r, f.w - f.m.right + 16, f.m.top + 12), "</svg>");
  return out.join("\n");
}

export function distributionSvg(r: CompareReport, bands: BandPoint[][]): string {
  const rowH = 36;
  const f: Frame = {
    w: 820,
    h: 60 + rowH * r.groups.length,
    m: { left: 140, right: 40, top: 16, bottom: 44 },
  };
  const vals = r.groups.flatMap((g) => g.runs.map((run) => run.value)).filter(Number.isFinite);
  const at = (i: number) =>
    bands[i].find((p) => p.epoch === r.epoch) ?? { mean: r.groups[i].summary.mean, half: 0 };
  const ends = r.groups
    .flatMap((_, i) => [at(i).mean - at(i).half, at(i).mean + at(i).half])
    .filter(Number.isFinite);
  const x = scale(Math.min(...vals, ...ends), Math.max(...vals, ...ends), f.m.left, f.w - f.m.right);
  const rowY = (i: number) => f.m.top + rowH * (i + 0.5);
  const out = [
    `<svg id="distribution" xmlns="http://www.w3.org/2000/svg" width="${f.w}" height="${f.h}" viewBox="0 0 ${f.w} ${f.h}" font-family="sans-serif" font-size="12" role="img" aria-label="final metric per variant">`,
    `<rect width="${f.w}" height="${f.h}" fill="white"/>`,
    clip("dist-frame", f),
    `<rect x="${f.m.left}" y="${f.m.top}" width="${f.w - f.m.left - f.m.right}" height="${f.h - f.m.top - f.m.bottom}" fill="none" stroke="#888"/>`,
  ];
  for (const t of niceTicks(x.lo, x.hi)) {
    out.push(
      `<line x1="${x.at(t).toFixed(1)}" x2="${x.at(t).toFixed(1)}" y1="${f.m.top}" y2="${f.h - f.m.bottom}" stroke="#e5e5e5"/>`,
    );
    out.push(
      `<text x="${x.at(t).toFixed(1)}" y="${f.h - f.m.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`,
    );
  }
  out.push(
    `<text class="axis-label" x="${(f.m.left + f.w - f.m.right) / 2}" y="${f.h - 8}" text-anchor="middle">${esc(r.metric)} at epoch ${r.epoch} (dots: runs; bar: mean with 95% CI)</text>`,
  );
  r.groups.forEach((g, i) => {
    const c = colorOf(i);
    const yy = rowY(i);
    const { mean, half } = at(i);
    out.push(`<text x="${f.m.left - 8}" y="${yy + 4}" text-anchor="end">${esc(g.name)}</text>`);
    out.push(
      `<line class="ci-whisker" clip-path="url(#dist-frame)" x1="${x.at(mean - half).toFixed(1)}" x2="${x.at(mean + half).toFixed(1)}" y1="${yy}" y2="${yy}" stroke="${c}" stroke-width="2"/>`,
      `<line x1="${x.at(mean).toFixed(1)}" x2="${x.at(mean).toFixed(1)}" y1="${yy - 10}" y2="${yy + 10}" stroke="${c}" stroke-width="3"><title>${esc(g.name)} mean ${fmt(mean)} ± ${fmt(half)}</title></line>`,
    );
    g.runs.forEach((run, k) => {
      const jitter = ((k % 5) - 2) * 3;
      out.push(
        `<circle class="final-dot" data-group="${esc(g.name)}" cx="${x.at(run.value).toFixed(1)}" cy="${(yy + jitter).toFixed(1)}" r="4" fill="${c}" fill-opacity="0.7"><title>seed ${run.seed}: ${fmt(run.value)}</title></circle>`,
      );
    });
  });
  out.push("</svg>");
  return out.join("\n");
}
