/** Faults: SIGKILL during every kind of write; the next train finishes the run as if nothing happened. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fingerprintParams, readParams, resolveParamsFile } from "../../src/rundir/index.js";
import { assertKept, baseRun, CONFIG, outcomes, repronet, snapshot, tiny, work } from "./harness.js";

const copyOfBase = baseRun(1);
const clean = (async () => {
  const out = join(work("clean"), "run");
  const r = await repronet(["train", CONFIG, "--out", out, ...tiny(2)]);
  assert.equal(r.code, 0, r.stderr);
  return out;
})();
const fingerprint = (dir: string) => fingerprintParams(readParams(resolveParamsFile(dir))).digest;
const temps = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => /\.tmp-\d+$/.test(f));

/**
 * Where to kill: before the rename of every kind of run-dir file (the
 * checkpoint writer's own points, between its two files, are covered by
 * test/contract/engine-kill.test.ts).
 */
const POINTS: [string, Record<string, string>][] = [
  ["before the state file's rename", { REPRONET_TEST_KILL_IN_WRITE: "epoch.002.state.safetensors" }],
  ["before the parameter file's rename", { REPRONET_TEST_KILL_IN_WRITE: "epoch.002.safetensors" }],
  ["before learning_rates.json's rename", { REPRONET_TEST_KILL_IN_WRITE: "learning_rates.json" }],
  ["before manifest.json's first rename", { REPRONET_TEST_KILL_IN_WRITE: "manifest.json:1" }],
  ["before manifest.json's last rename", { REPRONET_TEST_KILL_IN_WRITE: "manifest.json:2" }],
];

describe("SIGKILL during a write", { concurrency: 3 }, () => {
  for (const [where, env] of POINTS) {
    test(`killed ${where}: nothing earlier is lost, and the next train finishes the same run`, async () => {
      const out = (await copyOfBase)();
      const before = snapshot(out);
      const history = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).history;
      const killed = await repronet(["train", CONFIG, "--out", out, ...tiny(2)], env);
      assert.equal(killed.signal, "SIGKILL", killed.stderr);
      // Only files a later write replaces as a whole may differ; they keep what they held.
      assertKept(before, out, /^(manifest\.json|learning_rates\.json|train\.jsonl)$/);
      const now = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
      assert.deepEqual(now.history.slice(0, history.length), history);
      assert.ok("1" in JSON.parse(readFileSync(join(out, "learning_rates.json"), "utf8")).epochs);
      const again = await repronet(["train", CONFIG, "--out", out, ...tiny(2)]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /took over the lock of pid \d+/);
      assert.doesNotMatch(again.stdout, /warning:/);
      assert.deepEqual(temps(out), []);
      assert.equal(fingerprint(out), fingerprint(await clean));
      assert.equal(outcomes(out).at(-1), "finished");
    });
  }
});
