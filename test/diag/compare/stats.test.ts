import assert from "node:assert/strict";
import { test } from "node:test";
import {
  lnGamma,
  studentTQuantile,
  studentTTwoSided,
  summarize,
  welch,
} from "../../../src/diag/compare/stats.js";

const close = (a: number, b: number, rel = 1e-9) =>
  assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test("lnGamma matches factorials and Γ(1/2) = √π", () => {
  close(lnGamma(1), 0);
  close(lnGamma(5), Math.log(24));
  close(lnGamma(0.5), 0.5 * Math.log(Math.PI));
  close(lnGamma(10.5), 13.940625219403763);
});

// Reference values: scipy 1.17.1 (stats.t.sf, stats.t.ppf, stats.ttest_ind(equal_var=False)).
test("Student's t tail probabilities and quantiles match scipy", () => {
  close(studentTTwoSided(2.0, 10), 0.07338803477074037);
  close(studentTTwoSided(0.5, 1), 0.7048327646991335);
  close(studentTTwoSided(0, 4), 1);
  close(studentTQuantile(0.975, 10), 2.228138851986274);
  close(studentTQuantile(0.975, 1), 12.706204736174694);
});

test("Welch's t-test matches scipy", () => {
  const cases: [number[], number[], number, number, number, [number, number]][] = [
    [
      [1, 2, 3, 4, 5],
      [2, 4, 6, 8, 10],
      1.8973665961010275,
      0.10753119493062728,
      5.882352941176471,
      [-0.887741643736975, 6.887741643736975],
    ],
    [
      [34.1, 34.9],
      [35.2, 35.6, 35.0],
      1.7537335588249725,
      0.2719677676999351,
      1.4002271866717193,
      [-2.1428018388496533, 3.676135172182999],
    ],
  ];
  for (const [a, b, t, p, df, ci] of cases) {
    const r = welch(summarize(a), summarize(b))!;
    close(r.t, t);
    close(r.pValue, p, 1e-8);
    close(r.df, df);
    close(r.ci[0], ci[0], 1e-8);
    close(r.ci[1], ci[1], 1e-8);
  }
});

test("summaries; no test with fewer than two runs; constant groups", () => {
  assert.deepEqual(summarize([2, 4]), { n: 2, mean: 3, std: Math.SQRT2, min: 2, max: 4 });
  assert.ok(Number.isNaN(summarize([1]).std));
  assert.equal(welch(summarize([1]), summarize([1, 2])), null);
  assert.equal(welch(summarize([1, 1]), summarize([1, 1]))!.pValue, 1);
  assert.equal(welch(summarize([1, 1]), summarize([2, 2]))!.pValue, 0);
});
