import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { readRunState } from "../../src/sweep/run-state.js";

const work = mkdtempSync(join(tmpdir(), "repronet-run-state-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** A run directory as train leaves it: a manifest whose last invocation ended with `outcome`, and two epochs of scores. */
function runDir(name: string, outcome: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const manifest = {
    format: "repronet/manifest/1",
    config: { sha256: "sha256:abc" },
    history: [{ outcome: "lost" }, { outcome }],
  };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
  const epoch = (v: number) => ({ learningRate: 1e-3, scores: { dev_score: v } });
  writeFileSync(
    join(dir, "learning_rates.json"),
    JSON.stringify({ errorKey: "dev_score", epochs: { 1: epoch(3.5), 2: epoch(3.25) } }),
  );
  return dir;
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
  assert.deepEqual(readRunState(runDir("done", "finished")), {
    state: "finished",
    epoch: 2,
    lastScore: { key: "dev_score", value: 3.25 },
    configSha256: "sha256:abc",
  });
});

test("failed and interrupted outcomes are reported as they are", () => {
  assert.equal(readRunState(runDir("failed", "failed")).state, "failed");
  assert.equal(readRunState(runDir("stopped", "interrupted")).state, "interrupted");
});

test("a manifest still saying running with no live train is interrupted (killed; resumable)", () => {
  assert.equal(readRunState(runDir("killed", "running")).state, "interrupted");
});

test("a lock file holding a live pid makes the run running", () => {
  const dir = runDir("locked", "running");
  writeFileSync(join(dir, ".lock"), String(process.pid));
  assert.equal(readRunState(dir).state, "running");
});
