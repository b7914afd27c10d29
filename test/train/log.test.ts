import assert from "node:assert/strict";
import { test } from "node:test";
import {
  formatEpochLine,
  formatEvalLine,
  formatFloat32,
  formatFloat64,
  formatScores,
  formatStepLine,
  hms,
  Log,
} from "../../src/train/log.js";

test("a step line has RETURNN's layout: cost/error/loss sorted, then timing", () => {
  const line = formatStepLine({
    epoch: 1,
    step: 0,
    costs: { "output/output_prob": 3.17 },
    errors: { "output/output_prob": 0.95 },
    loss: 3.17,
    secPerStep: 0.4123,
    elapsed: 1.5,
    complete: 0.025,
  });
  assert.equal(
    line,
    "train epoch 1, step 0, cost:output/output_prob 3.17, error:output/output_prob 0.95, loss 3.17, 0.412 sec/step, elapsed 0:00:01, exp. remaining 0:00:58, complete 2.50%",
  );
});

test("cost and error entries are sorted by key across losses", () => {
  const line = formatStepLine({
    epoch: 2,
    step: 7,
    costs: { zeta: 1, alpha: 2 },
    errors: { zeta: 0.5 },
    loss: 1,
    secPerStep: 1,
    elapsed: 3700,
    complete: 1,
  });
  assert.match(
    line,
    /^train epoch 2, step 7, cost:alpha 2\.0, cost:zeta 1\.0, error:zeta 0\.5, loss 1\.0, 1\.000 sec\/step, elapsed 1:01:40, exp\. remaining 0:00:00, complete 100\.00%$/,
  );
});

test("hms truncates to H:MM:SS", () => {
  assert.equal(hms(0), "0:00:00");
  assert.equal(hms(59.99), "0:00:59");
  assert.equal(hms(3600 * 12 + 61), "12:01:01");
});

test("float32 values print as numpy does: the shortest repr that reads back", () => {
  assert.equal(formatFloat32(3.1697416), "3.1697416");
  assert.equal(formatFloat32(Math.fround(0.1)), "0.1");
  assert.equal(formatFloat32(2), "2.0");
  assert.equal(formatFloat32(1e-5), "1e-05");
  assert.equal(formatFloat32(Number.NaN), "nan");
  assert.equal(formatFloat32(Number.NEGATIVE_INFINITY), "-inf");
});

test("float64 values print as Python's repr", () => {
  assert.equal(formatFloat64(0.001), "0.001");
  assert.equal(formatFloat64(0.0007), "0.0007");
  assert.equal(formatFloat64(1e-5), "1e-05");
  assert.equal(formatFloat64(3), "3.0");
  assert.equal(formatFloat64(1e16), "1e+16");
  assert.equal(formatFloat64(123.25), "123.25");
  assert.equal(formatFloat64(-0), "-0.0");
});

test("scores: a bare value for one loss, sorted name-value pairs for several, None for none", () => {
  assert.equal(formatScores({ output: 1.5 }), "1.5");
  assert.equal(formatScores({ b: 2, a: 1 }), "a 1.0 b 2.0");
  assert.equal(formatScores({}), "None");
});

test("epoch summary and dev lines", () => {
  assert.equal(
    formatEpochLine(3, { output: 2.5 }, { output: 0.25 }, 42),
    "epoch 3 score: 2.5 error: 0.25 elapsed: 0:00:42",
  );
  assert.equal(formatEvalLine(3, "dev", { output: 2 }, { output: 0.5 }), "epoch 3 dev: score 2.0 error 0.5");
});

test("the log drops lines above its verbosity", () => {
  const lines: string[] = [];
  const log = new Log((l) => lines.push(l), 3);
  log.v(5, "step");
  log.v(3, "start");
  log.v(1, "summary");
  assert.deepEqual(lines, ["start", "summary"]);
});
