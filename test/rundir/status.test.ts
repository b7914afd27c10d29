import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  buildManifest,
  finishManifest,
  readRunStatus,
  writeLearningRates,
  writeManifest,
} from "../../src/rundir/index.js";

const tmp = () => mkdtempSync(join(tmpdir(), "repronet-status-"));
const manifest = () =>
  buildManifest({
    config: { num_epochs: 2 },
    configPath: "c.json",
    kernels: "js",
    threads: 1,
    seeds: {},
    errorMeasure: { key: "dev_score", reason: "" },
    root: null,
  });

test("an empty directory has not started", () => {
  assert.deepEqual(readRunStatus(join(tmp(), "none")), {
    state: "not started",
    lock: null,
    lastEpoch: null,
    lastScore: null,
    errorKey: null,
    problem: null,
  });
});

test("a locked run is running; its last epoch and score come from learning_rates.json", () => {
  const dir = tmp();
  writeManifest(dir, manifest());
  writeLearningRates(dir, {
    errorKey: "dev_score",
    epochs: { "1": { learningRate: 1, scores: { dev_score: 2.5 } }, "2": { learningRate: 1, scores: {} } },
  });
  const lock = { pid: process.pid, host: hostname(), started_at: "T0" };
  writeFileSync(join(dir, ".lock"), JSON.stringify(lock));
  const s = readRunStatus(dir);
  assert.deepEqual(
    [s.state, s.lock, s.lastEpoch, s.lastScore, s.errorKey],
    ["running", lock, 1, 2.5, "dev_score"],
  );
});

test("unlocked, the state is how the last invocation ended; still 'running' there means lost", () => {
  const dir = tmp();
  const m = manifest();
  writeManifest(dir, m);
  assert.equal(readRunStatus(dir).state, "lost");
  finishManifest(dir, m, "interrupted", { epoch: 1, global_step: 3 });
  assert.equal(readRunStatus(dir).state, "interrupted");
  finishManifest(dir, m, "finished", { epoch: 2, global_step: 6 });
  assert.equal(readRunStatus(dir).state, "finished");
});

test("a corrupt manifest is reported as the problem, not thrown", () => {
  const dir = tmp();
  writeFileSync(join(dir, "manifest.json"), "{");
  const s = readRunStatus(dir);
  assert.equal(s.state, "lost");
  assert.match(s.problem ?? "", /manifest\.json: corrupt/);
});
