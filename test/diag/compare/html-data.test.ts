import assert from "node:assert/strict";
import { test } from "node:test";
import type { CompareReport, GroupReport } from "../../../src/diag/compare/compare.js";
import { meanBand, overlapNotes } from "../../../src/diag/compare/html-data.js";
import { summarize } from "../../../src/diag/compare/stats.js";

const group = (name: string, curves: [number, number][][]): GroupReport => ({
  name,
  runs: curves.map((curve, i) => ({ path: `${name}/${i + 1}`, seed: i + 1, value: curve.at(-1)![1], curve })),
  summary: summarize(curves.map((c) => c.at(-1)![1])),
  configVsFirst: null,
  test: null,
  sameSeed: null,
});
const report = (groups: GroupReport[]): CompareReport => ({
  metric: "dev_score",
  epoch: 2,
  better: "lower",
  groups,
  notes: [],
});

test("the band is the mean ± t(0.975, n−1)·s/√n over epochs every run has", () => {
  const g = group("a", [
    [
      [1, 1],
      [2, 2],
    ],
    [
      [1, 3],
      [2, 4],
    ],
    [[1, 5]],
  ]);
  const band = meanBand(g);
  assert.equal(band.length, 1, "epoch 2 is missing from one run");
  assert.equal(band[0].mean, 3);
  // s = 2, n = 3, t(0.975, 2) = 4.302653
  assert.ok(Math.abs(band[0].half - (4.302653 * 2) / Math.sqrt(3)) < 1e-5, String(band[0].half));
});

test("one run has a zero-width band", () => {
  assert.deepEqual(meanBand(group("a", [[[1, 7]]])), [{ epoch: 1, mean: 7, half: 0 }]);
});

const c = (a: number, b: number): [number, number][] => [
  [1, a],
  [2, b],
];

test("identical same-seed curves are called out as lying on each other", () => {
  const r = report([group("base", [c(3, 2), c(3.5, 2.5)]), group("noop", [c(3, 2), c(3.5, 2.5)])]);
  assert.deepEqual(overlapNotes(r, r.groups.map(meanBand)), [
    "noop and base have identical curves for every seed: noop's lines lie exactly on base's (drawn on top, hiding them).",
  ]);
});

test("bands that overlap at every epoch are called out, bands far apart are not", () => {
  const base = group("base", [c(3, 2), c(3.2, 2.2)]);
  const near = group("near", [c(3.05, 2.05), c(3.25, 2.25)]);
  const far = group("far", [c(30, 20), c(30.2, 20.2)]);
  const r = report([base, near, far]);
  assert.deepEqual(overlapNotes(r, r.groups.map(meanBand)), [
    "The 95% bands of base and near overlap at every epoch: their curves cannot be told apart from seed noise.",
  ]);
});
