/**
 * `repronet compare` end to end: small runs made by the real `train` command
 * in child processes (two seeds each of the base config, its zero-eval variant
 * and a learning-rate variant), compared by the real CLI.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { repronet, stderrLines } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "repronet-compare-cli-"));
const SMALL = [
  "--set",
  'train={"class":"synthetic","task":"reverse","num_seqs":48,"vocab_size":24,"min_len":3,"max_len":8,"seed":1}',
  "--set",
  "dev.num_seqs=16",
  "--set",
  "log_verbosity=0",
];

const run = (name: string) => join(dir, name);
const RUNS: [string, string, string[]][] = [];
for (const seed of [1, 2]) {
  const s = ["--set", `random_seed=${seed}`];
  RUNS.push([`base-s${seed}`, "transformer-base", s]);
  RUNS.push([`zero-s${seed}`, "transformer-zero-eval", s]);
  RUNS.push([`lr-s${seed}`, "transformer-base", [...s, "--set", "learning_rate=0.003"]]);
}

before(() => {
  for (const [name, config, extra] of RUNS) {
    const r = repronet(["train", `examples/${config}.json`, "--out", run(name), ...SMALL, ...extra]);
    assert.equal(r.code, 0, `training ${name} failed: ${r.stderr}`);
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("groups by config up to the seed; the zero-eval variant's same-seed runs are bit-identical", () => {
  const r = repronet([
    "compare",
    ...["base-s1", "base-s2", "zero-s1", "zero-s2", "lr-s1", "lr-s2"].map(run),
    "--plot",
    run("curves.svg"),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  assert.match(
    lines[0],
    /^B vs A: no significant difference \(p = 1\.000\), same-seed runs bit-identical \(2 of 2\); C vs A: /,
  );
  assert.ok(lines.includes("   config vs A: 2 differences, none can affect training"), r.stdout);
  assert.ok(lines.includes("   config vs A: learning_rate 0.001 → 0.003"), r.stdout);
  assert.ok(lines.includes("   same seeds as A: 0 of 2 bit-identical at epoch 2"), r.stdout);
  assert.match(readFileSync(run("curves.svg"), "utf8"), /^<svg /);
});

test("--json, --metric and --epoch", () => {
  const r = repronet([
    "compare",
    run("base-s1"),
    run("lr-s1"),
    "--json",
    "--metric",
    "train_score_output/output_prob",
    "--epoch",
    "1",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.metric, "train_score_output/output_prob");
  assert.equal(j.epoch, 1);
  assert.equal(j.groups.length, 2);
  assert.equal(j.groups[1].test, null);
});

test("bad command lines are one-line errors with a non-zero exit", () => {
  const cases: [string[], RegExp][] = [
    [[run("base-s1")], /^error: compare needs at least two run directories$/],
    [
      [run("base-s1"), "examples/transformer-base.json"],
      /^error: examples\/transformer-base\.json: not a run directory/,
    ],
    [[run("base-s1"), run("lr-s1"), "--epoch", "0"], /^error: --epoch must be a positive integer, got "0"$/],
    [
      [run("base-s1"), run("lr-s1"), "--epoch", "9"],
      /^error: .*base-s1: no dev_score_output\/output_prob at epoch 9$/,
    ],
    [
      [run("base-s1"), run("lr-s1"), "--plot", run("x.png")],
      /^error: --plot writes SVG: give a file name ending in \.svg/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = repronet(["compare", ...args]);
    assert.notEqual(r.code, 0, args.join(" "));
    const err = stderrLines(r.stderr);
    assert.equal(err.length, 1, r.stderr);
    assert.match(err[0], message);
  }
});
