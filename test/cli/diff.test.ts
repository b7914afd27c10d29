/**
 * `repronet diff` end to end: runs are made by the real `train` command in
 * child processes (so the fixtures follow whatever the trainer writes), then
 * compared by the real CLI, exit codes included.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { diffCommand } from "../../src/cli/diff.js";
import { readSafetensors, writeSafetensors } from "../../src/io/safetensors.js";
import { ReproError } from "../../src/util/errors.js";

const CLI = fileURLToPath(new URL("../diag/diff/cli-main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "repronet-diff-"));
const SMALL = [
  "--set",
  'train={"class":"synthetic","task":"reverse","num_seqs":64,"vocab_size":24,"min_len":3,"max_len":10,"seed":1}',
  "--set",
  "dev.num_seqs=16",
];

/** A reported-only output layer with parameters of its own. */
const PROBE = { class: "linear", from: ["encoder"], n_out: 4, is_output_layer: true };

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function repronet(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const run = (name: string) => join(dir, name);
const lines = (r: Result) => r.stdout.split("\n");

before(async () => {
  const runs: [string, string, string[]][] = [
    ["base", "transformer-base", []],
    ["zero-eval", "transformer-zero-eval", []],
    ["zero-copy", "transformer-zero-copy", []],
    ["lr", "transformer-base", ["--set", "learning_rate=0.002"]],
    ["seed", "transformer-base", ["--set", "random_seed=8"]],
    ["probe", "transformer-base", ["--set", `network.probe=${JSON.stringify(PROBE)}`]],
  ];
  const results = await Promise.all(
    runs.map(([name, config, extra]) =>
      repronet("train", `examples/${config}.json`, "--out", run(name), ...SMALL, ...extra),
    ),
  );
  for (const [i, r] of results.entries())
    assert.equal(r.code, 0, `training ${runs[i][0]} failed: ${r.stderr}`);
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("base vs zero-eval runs: identical parameters after every epoch, exit 0, every config change harmless", async () => {
  const r = await repronet("diff", run("base"), run("zero-eval"));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(
    lines(r)[0],
    /^identical: same parameters after every epoch \(sha256:[0-9a-f]{64}\); the configs differ in 2 places, none can affect training$/,
  );
  assert.match(
    r.stdout,
    /layer output\/dec_01_weight_loss added \(eval\): .* → constant, never optimised \(no effect on training\)/,
  );
  assert.match(r.stdout, /epoch\.001: same/);
  assert.match(r.stdout, /epoch\.002: same/);
});

test("base vs zero-copy runs: identical, the scale-0 losses are reported only", async () => {
  const r = await repronet("diff", run("base"), run("zero-copy"));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /loss as_is with scale 0 → reported only, never differentiated \(no effect on training\)/,
  );
});

test("a learning-rate change: different from epoch 1, the config change named as the cause, exit 1", async () => {
  const r = await repronet("diff", run("base"), run("lr"));
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    lines(r)[0],
    "different: first at epoch 1 (parameters), at global step 0 (the update); causes: config (learning_rate 0.001 → 0.002)",
  );
  assert.match(r.stdout, /learning_rates\.json: first differ at epoch 1: learning rate 0\.001 → 0\.002/);
  assert.match(r.stdout, /train\.jsonl: objective\/costs first differ at epoch 1 step 1/);
});

test("the exit code is the verdict also when the reader closes the pipe early (| head -1)", () => {
  const bin = fileURLToPath(new URL("../../../bin/repronet.js", import.meta.url));
  // `true` exits without reading: every write of diff hits a closed pipe (EPIPE).
  const script = `node "${bin}" diff "${run("base")}" "${run("lr")}" | true; exit \${PIPESTATUS[0]}`;
  const r = spawnSync("bash", ["-c", script], { encoding: "utf8" });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, "");
});

test("a different random_seed: the seeds are named as causes", async () => {
  const r = await repronet("diff", run("base"), run("seed"));
  assert.equal(r.code, 1, r.stderr);
  const first = lines(r)[0];
  assert.match(
    first,
    /^different: first at epoch 1 \(parameters\), at global step 0 \(the initial parameters\); causes: config \(random_seed 7 → 8\)/,
  );
  assert.match(first, /seeds \(.*random_seed 7 → 8/);
});

test("an extra reported-only layer with parameters: only B has them, the shared ones are identical", async () => {
  const r = await repronet("diff", run("base"), run("probe"));
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    lines(r)[0],
    "different: only B has probe/W, probe/b; the shared parameters are identical after every epoch",
  );
  assert.match(r.stdout, /layer probe added \(linear\): output layer → computed, never differentiated/);
});

test("runs without a common checkpoint are not comparable (exit 1)", async () => {
  const empty = join(dir, "empty-run");
  mkdirSync(join(empty, "checkpoints"), { recursive: true });
  copyFileSync(join(run("base"), "manifest.json"), join(empty, "manifest.json"));
  const r = await repronet("diff", run("base"), empty);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    lines(r)[0],
    "not comparable: no common complete checkpoint (A: epoch.001…epoch.002, B: none)",
  );
});

test("--json prints one object with the verdict and every section", async () => {
  const r = await repronet("diff", run("base"), run("lr"), "--json");
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout);
  assert.equal(report.verdict.status, "different");
  assert.equal(report.exitCode, 1);
  assert.equal(report.training.firstDifferingEpoch, 1);
  assert.equal(report.training.learningRates.firstDiffering, "1");
  assert.deepEqual(
    report.config.keys.map((k: { path: string }) => k.path),
    ["learning_rate"],
  );
  assert.ok(report.environment.same.length > 0);
  assert.equal(report.parameters.checkpoint, "epoch.002");
  assert.equal(report.parameters.identical, 0);
});

test("two checkpoints that differ in one parameter: that parameter is named with its difference", async () => {
  const file = join(run("base"), "checkpoints", "epoch.002.safetensors");
  const st = readSafetensors(file);
  const name = Object.keys(st.tensors).sort()[3];
  const changed = Float32Array.from(st.tensors[name].data as Float32Array);
  changed[0] += 0.25;
  const copy = join(dir, "changed.safetensors");
  writeSafetensors(copy, {
    ...st.tensors,
    [name]: { dtype: "F32", shape: st.tensors[name].shape, data: changed },
  });
  const r = await repronet("diff", file, copy);
  assert.equal(r.code, 1, r.stderr);
  const total = Object.keys(st.tensors).length;
  assert.match(
    lines(r)[0],
    new RegExp(
      `^different: 1 of ${total} shared parameters differ \\(largest: ${name} max\\|Δ\\| 2\\.5e-1\\)$`,
    ),
  );
  assert.ok(r.stdout.includes(`${total - 1} identical, 1 differ`));
});

test("a run and a checkpoint: the run's newest checkpoint is compared", async () => {
  const r = await repronet(
    "diff",
    run("zero-eval"),
    join(run("base"), "checkpoints", "epoch.002.safetensors"),
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(lines(r)[0], /^identical: same parameters \(sha256:/);
});

test("a run and the config it recorded are identical; the example it came from differs by the overrides", async () => {
  const manifest = JSON.parse(readFileSync(join(run("lr"), "manifest.json"), "utf8"));
  const cfg = join(dir, "resolved.json");
  writeFileSync(cfg, JSON.stringify(manifest.config.resolved));
  const same = await repronet("diff", run("lr"), cfg);
  assert.equal(same.code, 0, same.stdout + same.stderr);
  assert.match(lines(same)[0], /^identical: same resolved config/);
  const example = await repronet("diff", "examples/transformer-base.json", run("lr"));
  assert.equal(example.code, 1);
  assert.match(lines(example)[0], /learning_rate 0\.001 → 0\.002/);
});

test("errors exit with 2 and one line: missing path, config vs checkpoint, not a run, missing argument", async () => {
  const checkpoint = join(run("base"), "checkpoints", "epoch.001.safetensors");
  const cases: [string[], RegExp][] = [
    [[join(dir, "missing"), run("base")], /^error: .*missing: no such file or directory$/m],
    [["examples/transformer-base.json", checkpoint], /^error: cannot compare a config with a checkpoint/m],
    [[dir, run("base")], /^error: .*: not a run directory/m],
    [[run("base")], /^error: missing required argument 'b'/m],
  ];
  for (const [args, stderr] of cases) {
    const r = await repronet("diff", ...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, stderr);
    assert.equal(r.stdout, "");
  }
});

test("diffCommand raises ReproErrors with exit code 2", async () => {
  await assert.rejects(
    diffCommand(join(dir, "nope"), run("base")),
    (e: unknown) => e instanceof ReproError && e.exitCode === 2 && !e.message.includes("\n"),
  );
});
