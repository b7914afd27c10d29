/**
 * Learning curves as a self-contained SVG: one colour per group, a thin line
 * per run, a thick line for the group mean (over epochs every run of the group
 * has), and a dashed line at the compared epoch.
 */
import type { CompareReport } from "./compare.js";
import { fmt } from "./render.js";

export const PALETTE = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#9467bd",
  "#ff7f0e",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
];
const W = 760;
const H = 440;
const M = { left: 72, right: 190, top: 36, bottom: 52 };

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function learningCurvesSvg(r: CompareReport): string {
  const all = r.groups.flatMap((g) => g.runs.flatMap((run) => run.curve));
  const xs = all.map(([e]) => e);
  const ys = all.map(([, v]) => v).filter(Number.isFinite);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const pad = (y1 - y0) * 0.05 || Math.abs(y0) * 0.05 || 1;
  [y0, y1] = [y0 - pad, y1 + pad];
  const px = (e: number) => M.left + ((e - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (v: number) => H - M.bottom - ((v - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const path = (pts: [number, number][]) =>
    pts
      .filter(([, v]) => Number.isFinite(v))
      .map(([e, v], i) => `${i === 0 ? "M" : "L"}${px(e).toFixed(1)},${py(v).toFixed(1)}`)
      .join(" ");
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="20" font-size="14">${esc(r.metric)} per epoch${r.better ? ` (${r.better} is better)` : ""}</text>`,
  ];
  for (const t of niceTicks(y0, y1)) {
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#e5e5e5"/>`,
    );
    out.push(`<text x="${M.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1).filter(Number.isInteger)) {
    out.push(`<text x="${px(t).toFixed(1)}" y="${H - M.bottom + 18}" text-anchor="middle">${t}</text>`);
  }
  out.push(
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">epoch</text>`,
    `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#888"/>`,
    `<line x1="${px(r.epoch).toFixed(1)}" x2="${px(r.epoch).toFixed(1)}" y1="${M.top}" y2="${H - M.bottom}" stroke="#555" stroke-dasharray="4 3"/>`,
  );
  r.groups.forEach((g, i) => {
    const color = PALETTE[i % PALETTE.length];
    for (const run of g.runs)
      out.push(
        `<path d="${path(run.curve)}" fill="none" stroke="${color}" stroke-opacity="0.35" stroke-width="1"><title>${esc(run.path)} (seed ${run.seed})</title></path>`,
      );
    const epochs = [...new Set(g.runs.flatMap((run) => run.curve.map(([e]) => e)))].sort((a, b) => a - b);
    const mean: [number, number][] = [];
    for (const e of epochs) {
      const vs = g.runs.map((run) => run.curve.find(([x]) => x === e)?.[1]);
      if (vs.every((v) => v !== undefined)) mean.push([e, vs.reduce((s, v) => s + v!, 0) / vs.length]);
    }
    out.push(`<path d="${path(mean)}" fill="none" stroke="${color}" stroke-width="2.5"/>`);
    const ly = M.top + 10 + i * 20;
    out.push(
      `<line x1="${W - M.right + 14}" x2="${W - M.right + 38}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2.5"/>`,
      `<text x="${W - M.right + 44}" y="${ly + 4}">${g.name}: ${g.runs.length} run${g.runs.length === 1 ? "" : "s"}, ${fmt(g.summary.mean)}</text>`,
    );
  });
  out.push("</svg>", "");
  return out.join("\n");
}
