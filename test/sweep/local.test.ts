/**
 * The local executor end to end, through the real CLI: a sweep runs every
 * variant × seed, running it again starts nothing, Ctrl-C stops every worker
 * with a checkpoint and the next run resumes to the fingerprints of a sweep
 * that was never stopped, failed runs are retried then reported, and a SPEC
 * that would change a finished run is refused unless --force.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { readManifest } from "../../src/rundir/index.js";
import { readSweepManifest } from "../../src/sweep/manifest.js";
import { isTrainAlive, readRunState } from "../../src/sweep/run-state.js";
import { repronet, stderrLines } from "../helpers/cli.js";
import { runFingerprint, sleep, startCli, tinySpec, writeSpec } from "../helpers/sweep.js";

const work = mkdtempSync(join(tmpdir(), "repronet-sweep-local-"));
after(() => rmSync(work, { recursive: true, force: true }));

const EPOCHS = 10;
const IDS = ["base/seed-1", "base/seed-2", "zero-eval/seed-1", "zero-eval/seed-2"];
const ref = join(work, "ref");
let spec: string;
let first: ReturnType<typeof repronet>;

before(() => {
  spec = writeSpec(work, tinySpec(EPOCHS));
  first = repronet(["sweep", spec, "--out", ref, "--jobs", "2", "--threads", "1"]);
});

test("a sweep trains every variant × seed and prints one line per finished run", () => {
  assert.equal(first.code, 0, first.stderr);
  const lines = first.stdout.trim().split("\n");
  assert.deepEqual(
    lines
      .filter((l) => l.startsWith("finished "))
      .map((l) => l.split(":")[0])
      .sort(),
    IDS.map((id) => `finished ${id}`),
  );
  assert.equal(lines.at(-1), "4 of 4 runs finished");
  for (const id of IDS) assert.equal(readRunState(join(ref, id)).epoch, EPOCHS, id);
  const status = repronet(["sweep", "status", ref]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /4 runs: 4 finished/);
});

test("running the same sweep again starts no train", () => {
  const before = readSweepManifest(ref)!.runs.map((r) => r.attempts);
  const again = repronet(["sweep", spec, "--out", ref]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout.trim(), "4 of 4 runs finished");
  assert.deepEqual(
    readSweepManifest(ref)!.runs.map((r) => r.attempts),
    before,
  );
});

test("Ctrl-C stops every worker with a checkpoint; running again resumes to the fingerprints of a sweep never stopped", async () => {
  const dir = join(work, "stopped");
  const sweep = startCli(["sweep", spec, "--out", dir, "--jobs", "2", "--threads", "1"]);
  for (let i = 0; i < 400 && readRunState(join(dir, IDS[0])).epoch < 1; i++) await sleep(25);
  sweep.child.kill("SIGINT");
  const r = await sweep.done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted: \d run\(s\) stopped; run the same command again to continue/);
  for (const id of IDS) assert.equal(isTrainAlive(join(dir, id)), false, `${id} still has a live train`);
  assert.ok(
    IDS.some((id) => readRunState(join(dir, id)).state !== "finished"),
    "the sweep finished before the interrupt",
  );
  const status = repronet(["sweep", "status", dir]);
  assert.equal(status.code, 1);
  // Runs stopped after at least one step saved a checkpoint (one stopped before its first step saves none).
  const stopped = IDS.filter((id) => {
    const last = readManifest(join(dir, id))?.history.at(-1);
    return last?.outcome === "interrupted" && (last.stopped_at?.global_step ?? 0) > 0;
  });
  assert.ok(stopped.length > 0, "no run saved a checkpoint and recorded the interrupt");
  const resumed = repronet(["sweep", spec, "--out", dir, "--jobs", "2", "--threads", "1"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  for (const id of IDS) assert.equal(runFingerprint(join(dir, id)), runFingerprint(join(ref, id)), id);
  for (const id of stopped)
    assert.notEqual(readManifest(join(dir, id))!.history.at(-1)!.resumed_from, null, `${id} did not resume`);
});

test("a run that fails is retried, then reported, and the sweep exits non-zero", () => {
  const bad = writeSpec(
    work,
    tinySpec(1, [1], { broken: { set: { optimizer: { class: "no-such-optimizer" } } } }),
    "bad.json",
  );
  const dir = join(work, "bad");
  const r = repronet(["sweep", bad, "--out", dir, "--retries", "1"]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^retrying broken\/seed-1: train exited with code 1/m);
  assert.match(r.stdout, /^FAILED broken\/seed-1: train exited with code 1 \(see .*seed-1\.log\)/m);
  assert.deepEqual(stderrLines(r.stderr), ["error: 1 run(s) failed after all retries: broken/seed-1"]);
  assert.equal(readSweepManifest(dir)!.runs[0].attempts, 2);
});

test("a SPEC that changes a finished run is refused naming the run; --force trains it again", () => {
  const small = join(work, "small");
  const one = (lr: number) =>
    writeSpec(work, tinySpec(1, [1], { v: { set: { learning_rate: lr } } }), "small.json");
  assert.equal(repronet(["sweep", one(0.001), "--out", small]).code, 0);
  const changed = repronet(["sweep", one(0.002), "--out", small]);
  assert.equal(changed.code, 1);
  assert.match(
    stderrLines(changed.stderr).join("\n"),
    /^error: .*small\/v\/seed-1: the SPEC changes this finished run's config \(\w+ → \w+\); pass --force/,
  );
  const forced = repronet(["sweep", one(0.002), "--out", small, "--force"]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(readRunState(join(small, "v", "seed-1")).state, "finished");
});
