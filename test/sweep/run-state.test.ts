import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  buildManifest,
  finishManifest,
  type RunOutcome,
  writeLearningRates,
  writeManifest,
} from "../../src/rundir/index.js";
import { readRunState } from "../../src/sweep/run-state.js";

const work = mkdtempSync(join(tmpdir(), "repronet-run-state-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** A run directory as train leaves it: the last invocation ended with `outcome` (or is still "running"), two scored epochs. */
function runDir(name: string, outcome: RunOutcome | "running"): { dir: string; sha256: string } {
  const dir = join(work, name);
  const manifest = buildManifest({
    config: { num_epochs: 2 },
    configPath: "c.json",
    kernels: "js",
    threads: 1,
    seeds: {},
    errorMeasure: { key: "dev_score", reason: "" },
    root: null,
  });
  writeManifest(dir, manifest);
  if (outcome !== "running") finishManifest(dir, manifest, outcome, { epoch: 2, global_step: 6 });
  const epoch = (v: number) => ({ learningRate: 1e-3, scores: { dev_score: v } });
  writeLearningRates(dir, { errorKey: "dev_score", epochs: { "1": epoch(3.5), "2": epoch(3.25) } });
  return { dir, sha256: manifest.config.sha256 };
}

test("a directory that does not exist is pending", () => {
  assert.deepEqual(readRunState(join(work, "nothing")), {
    state: "pending",
    epoch: 0,
    lastScore: null,
    configSha256: null,
  });
});

test("a finished run reports its last epoch, last error-measure score and config hash", () => {
  const { dir, sha256 } = runDir("done", "finished");
  assert.deepEqual(readRunState(dir), {
    state: "finished",
    epoch: 2,
    lastScore: { key: "dev_score", value: 3.25 },
    configSha256: sha256,
  });
});

test("failed and interrupted outcomes are reported as they are", () => {
  assert.equal(readRunState(runDir("failed", "failed").dir).state, "failed");
  assert.equal(readRunState(runDir("stopped", "interrupted").dir).state, "interrupted");
});

test("a manifest still saying running with no live train is interrupted (killed; resumable)", () => {
  assert.equal(readRunState(runDir("killed", "running").dir).state, "interrupted");
});

test("a lock held by a live process makes the run running", () => {
  const { dir } = runDir("locked", "running");
  writeFileSync(join(dir, ".lock"), JSON.stringify({ pid: process.pid, host: hostname(), started_at: "T0" }));
  assert.equal(readRunState(dir).state, "running");
});
