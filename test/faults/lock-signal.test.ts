/** Faults: a second writer, a stale lock, SIGTERM, and a second signal. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  assertFails,
  assertKept,
  baseRun,
  CONFIG,
  outcomes,
  repronet,
  snapshot,
  start,
  tiny,
  work,
} from "./harness.js";

const copyOfBase = baseRun(1);

test("a second train on a run dir in training fails at once; SIGTERM then stops the first like Ctrl-C (exit 143)", async () => {
  const out = join(work("lock"), "run");
  const first = start(["train", CONFIG, "--out", out, ...tiny(40)]);
  await first.waitFor(/^train epoch 1, step 0,/m);
  const second = await repronet(["train", CONFIG, "--out", out, ...tiny(3, "random_seed=8")]);
  assertFails(second, new RegExp(`^error: ${out} is being trained by pid \\d+ since \\d{4}-\\d\\d-\\d\\dT`));
  first.kill("SIGTERM");
  const r = await first.done;
  assert.equal(r.code, 143, r.stderr);
  assert.match(r.stderr, /^terminate: saving a checkpoint at the next step boundary/m);
  assert.match(
    r.stderr,
    /^error: interrupted: saved checkpoint epoch\.\d{3}(\.step\.\d+)?; run the same command to resume$/m,
  );
  assert.deepEqual(outcomes(out), ["interrupted"]);
  assert.equal(existsSync(join(out, ".lock")), false);
  // The seed-8 invocation left no trace: one invocation, seed 7 throughout.
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
  assert.equal(manifest.seeds.random_seed, 7);
});

test("a stale lock of a dead pid is taken over with a note", async () => {
  const out = (await copyOfBase)();
  const dead = spawnSync(process.execPath, ["-e", ""]).pid;
  writeFileSync(join(out, ".lock"), JSON.stringify({ pid: dead, host: hostname(), started_at: "T0" }));
  const r = await repronet(["train", CONFIG, "--out", out, ...tiny(2)]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    new RegExp(
      `^note: ${out}: took over the lock of pid ${dead} \\(started T0\\), which no longer runs$`,
      "m",
    ),
  );
  assert.equal(existsSync(join(out, ".lock")), false);
});

test("a lock held by a live process is respected and nothing changes", async () => {
  const out = (await copyOfBase)();
  writeFileSync(join(out, ".lock"), JSON.stringify({ pid: process.pid, host: hostname(), started_at: "T0" }));
  const before = snapshot(out);
  const r = await repronet(["train", CONFIG, "--out", out, ...tiny(2)]);
  assertFails(r, new RegExp(`^error: ${out} is being trained by pid ${process.pid} since T0$`));
  assertKept(before, out);
  assert.equal(snapshot(out).size, before.size);
});

test("a second SIGTERM quits at once, and still drops the lock", async () => {
  const out = join(work("twice"), "run");
  const run = start(["train", CONFIG, "--out", out, ...tiny(40)]);
  await run.waitFor(/^train epoch 1, step 0,/m);
  run.kill("SIGTERM");
  run.kill("SIGTERM");
  const r = await run.done;
  assert.equal(r.code, 143, r.stderr);
  assert.equal(existsSync(join(out, ".lock")), false);
});
