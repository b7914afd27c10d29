import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { betterDirection, compareRuns, groupName } from "../../../src/diag/compare/compare.js";
import { learningCurvesSvg, niceTicks } from "../../../src/diag/compare/plot.js";
import { renderCompareJson, renderCompareText } from "../../../src/diag/compare/render.js";
import { MANIFEST_FORMAT } from "../../../src/rundir/index.js";
import { ReproError } from "../../../src/util/errors.js";

const root = mkdtempSync(join(tmpdir(), "repronet-compare-"));
after(() => rmSync(root, { recursive: true, force: true }));

interface FakeRun {
  config: Record<string, unknown>;
  /** Epoch → scores. */
  scores: Record<number, Record<string, number | string>>;
  errorKey?: string;
  commit?: string;
}

/** A run directory with just what compare reads: manifest.json and learning_rates.json. */
function fakeRun(name: string, r: FakeRun): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const manifest = {
    format: MANIFEST_FORMAT,
    framework: { name: "repronet", version: "0.1.0", commit: r.commit ?? "a".repeat(40), dirty: false },
    node: "v20.20.2",
    kernels: "native",
    config: { path: "c.json", sha256: "x", resolved: r.config },
  };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
  const epochs = Object.fromEntries(
    Object.entries(r.scores).map(([e, s]) => [e, { learningRate: 0.1, scores: s }]),
  );
  writeFileSync(
    join(dir, "learning_rates.json"),
    JSON.stringify({ errorKey: r.errorKey ?? "dev_score", epochs }),
  );
  return dir;
}

const base = { learning_rate: 0.1, num_epochs: 2 };

test("runs are grouped by config up to random_seed; each group is tested against the first", async () => {
  const a = [1, 2, 3].map((s, i) =>
    fakeRun(`a${s}`, {
      config: { ...base, random_seed: s },
      scores: { 1: { dev_score: 3 }, 2: { dev_score: 2 + i * 0.01 } },
    }),
  );
  const b = [1, 2, 3].map((s, i) =>
    fakeRun(`b${s}`, {
      config: { ...base, learning_rate: 0.2, random_seed: s },
      scores: { 1: { dev_score: 3 }, 2: { dev_score: 1.5 + i * 0.01 } },
    }),
  );
  const r = await compareRuns([a[0], b[0], a[1], b[1], a[2], b[2]]);
  assert.equal(r.metric, "dev_score");
  assert.equal(r.epoch, 2);
  assert.equal(r.better, "lower");
  assert.deepEqual(
    r.groups.map((g) => [g.name, g.runs.map((x) => x.seed)]),
    [
      ["A", [1, 2, 3]],
      ["B", [1, 2, 3]],
    ],
  );
  assert.ok(Math.abs(r.groups[1].test!.difference + 0.5) < 1e-12);
  assert.ok(r.groups[1].test!.pValue < 1e-6);
  assert.deepEqual(r.groups[1].configVsFirst, { affecting: ["learning_rate 0.1 → 0.2"], other: 0 });
  // No checkpoints in these runs: the same seeds are found, nothing can be checked.
  assert.deepEqual(r.groups[1].sameSeed, { seeds: 3, identical: 0, checked: 0 });
  const text = renderCompareText(r);
  assert.equal(text[0], "B vs A: better by 0.5 (p < 0.001)");
  assert.ok(text.includes("   config vs A: learning_rate 0.1 → 0.2"));
  assert.deepEqual(JSON.parse(renderCompareJson(r)).groups[1].runs[0].curve, [
    [1, 3],
    [2, 1.5],
  ]);
});

test("one-loss runs (bare keys) and several-loss runs (suffixed keys) are compared on the same loss", async () => {
  const one = fakeRun("one", { config: { ...base }, scores: { 1: { dev_score: 2 } } });
  const two = fakeRun("two", {
    config: { ...base, aux: 1 },
    errorKey: "dev_score_output",
    scores: { 1: { dev_score_output: 2.5, dev_score_aux: 9 } },
  });
  const bare = await compareRuns([one, two]);
  assert.deepEqual(
    bare.groups.map((g) => g.runs[0].value),
    [2, 2.5],
  );
  const suffixed = await compareRuns([two, one]);
  assert.equal(suffixed.metric, "dev_score_output");
  assert.deepEqual(
    suffixed.groups.map((g) => g.runs[0].value),
    [2.5, 2],
  );
  assert.equal(renderCompareText(suffixed)[0], "B vs A: too few runs for a test (1 and 1; needs 2 each)");
});

test("the epoch is the last one every run has, or the one asked for", async () => {
  const long = fakeRun("long", {
    config: base,
    scores: { 1: { dev_score: 3 }, 2: { dev_score: 2 }, 3: { dev_score: 1 } },
  });
  const short = fakeRun("short", { config: base, scores: { 1: { dev_score: 3 }, 2: { dev_score: 2.5 } } });
  assert.equal((await compareRuns([long, short])).epoch, 2);
  assert.equal((await compareRuns([long, short], { epoch: 1 })).epoch, 1);
  await assert.rejects(
    compareRuns([long, short], { epoch: 3 }),
    new ReproError(`${short}: no dev_score at epoch 3`),
  );
  await assert.rejects(
    compareRuns([long, short], { metric: "dev_bleu" }),
    new ReproError(`no epoch where every run has dev_bleu (${long} records: dev_score)`),
  );
});

test("mixed framework commits and repeated seeds are noted", async () => {
  const x = fakeRun("x", { config: { ...base, random_seed: 1 }, scores: { 1: { dev_score: 1 } } });
  const y = fakeRun("y", {
    config: { ...base, random_seed: 1 },
    scores: { 1: { dev_score: 1 } },
    commit: "b".repeat(40),
  });
  const r = await compareRuns([x, y]);
  assert.deepEqual(r.notes, [
    "the runs used different code or kernels: repronet 0.1.0 (aaaaaaa), kernels native, node v20.20.2; repronet 0.1.0 (bbbbbbb), kernels native, node v20.20.2",
    "group A has several runs with seed 1",
  ]);
});

test("bad inputs are one-line errors", async () => {
  const ok = fakeRun("ok", { config: base, scores: { 1: { dev_score: 1 } } });
  await assert.rejects(compareRuns([ok]), new ReproError("compare needs at least two run directories"));
  const missing = join(root, "nope");
  await assert.rejects(compareRuns([ok, missing]), new ReproError(`${missing}: no such file or directory`));
  const empty = join(root, "empty-run");
  mkdirSync(join(empty, "checkpoints"), { recursive: true });
  await assert.rejects(compareRuns([ok, empty]), new ReproError(`${empty}: no manifest.json`));
  const noScores = fakeRun("no-scores", { config: base, scores: {} });
  rmSync(join(noScores, "learning_rates.json"));
  await assert.rejects(
    compareRuns([ok, noScores]),
    new ReproError(`${noScores}: no learning_rates.json (no finished epoch yet?)`),
  );
});

test("metric direction, group names, ticks and the SVG", async () => {
  assert.equal(betterDirection("dev_error_output"), "lower");
  assert.equal(betterDirection("dev_bleu"), "higher");
  assert.equal(betterDirection("learning_rate"), null);
  assert.deepEqual([groupName(0), groupName(25), groupName(26)], ["A", "Z", "G27"]);
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(2.75, 3.26), [2.8, 3, 3.2]);
  const a = fakeRun("svg-a", { config: base, scores: { 1: { dev_score: 3 }, 2: { dev_score: 2 } } });
  const b = fakeRun("svg-b", {
    config: { ...base, x: 1 },
    scores: { 1: { dev_score: 3.5 }, 2: { dev_score: 2.5 } },
  });
  const svg = learningCurvesSvg(await compareRuns([a, b]));
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal((svg.match(/<path /g) ?? []).length, 4); // a run line and a mean line per group
  assert.match(svg, /A: 1 run, 2</);
  assert.match(svg, /B: 1 run, 2\.5</);
});

test("a corrupt checkpoint is an error naming it, not a missing fingerprint", async () => {
  // Two configs with the same seed: their checkpoints are compared by fingerprint.
  const runs = [1, 2].map((n) =>
    fakeRun(`corrupt-${n}`, {
      config: { ...base, learning_rate: n / 10, random_seed: 1 },
      scores: { 1: { dev_score: 1 } },
    }),
  );
  mkdirSync(join(runs[0], "checkpoints"));
  writeFileSync(join(runs[0], "checkpoints", "epoch.001.safetensors"), "not safetensors");
  await assert.rejects(compareRuns(runs), /corrupt-1\/checkpoints\/epoch\.001\.safetensors: truncated/);
});
