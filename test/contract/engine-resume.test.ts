/**
 * Contract point 7 on the command line: a run resumed from a checkpoint — after
 * `num_epochs` was raised, or after Ctrl-C in the middle of an epoch — is the
 * run that never stopped.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  fingerprintParams,
  latestCheckpoint,
  readParams,
  resolveParamsFile,
} from "../../src/rundir/index.js";

const work = mkdtempSync(join(tmpdir(), "repronet-engine-resume-"));
after(() => rmSync(work, { recursive: true, force: true }));

const CLI = fileURLToPath(new URL("../train/cli-main.js", import.meta.url));
const CONFIG = "examples/transformer-base.json";
const dataset = (n: number) =>
  `train={"class":"synthetic","task":"reverse","num_seqs":${n},"vocab_size":24,"min_len":3,"max_len":10,"seed":1}`;

function train(out: string, ...set: string[]) {
  const args = [CLI, "train", CONFIG, "--out", join(work, out), ...set.flatMap((s) => ["--set", s])];
  const r = spawnSync(process.execPath, args, { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const fingerprint = (out: string) => fingerprintParams(readParams(resolveParamsFile(join(work, out)))).digest;

test("train num_epochs=1, then num_epochs=3 on the same OUT equals num_epochs=3 in one go", () => {
  const small = dataset(64);
  const once = train("once", small, "num_epochs=3");
  assert.equal(once.code, 0, once.stderr);
  const first = train("resumed", small, "num_epochs=1");
  assert.equal(first.code, 0, first.stderr);
  const second = train("resumed", small, "num_epochs=3");
  assert.equal(second.code, 0, second.stderr);
  assert.match(
    second.stdout,
    /^resuming from .*epoch\.001\.safetensors \(end of epoch 1, global step \d+\)$/m,
  );
  assert.doesNotMatch(second.stdout, /train epoch 1,/);
  assert.equal(fingerprint("resumed"), fingerprint("once"));
});

/** Starts training, sends SIGINT after the step line `after`, resolves with the exit code and output. */
function trainAndInterrupt(out: string, after: RegExp, ...set: string[]) {
  const args = [CLI, "train", CONFIG, "--out", join(work, out), ...set.flatMap((s) => ["--set", s])];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let sent = false;
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    if (!sent && after.test(stdout)) {
      sent = true;
      child.kill("SIGINT");
    }
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
}

test("Ctrl-C in the middle of an epoch saves at a step boundary, exits 130, and resuming equals the run that never stopped", async () => {
  // 160 sequences in batches of at most 100 frames: about 20 steps per epoch.
  const set = [dataset(160), "batch_size=100", "num_epochs=2"];
  const once = train("ctrl-c-once", ...set);
  assert.equal(once.code, 0, once.stderr);
  const stopped = await trainAndInterrupt("ctrl-c", /^train epoch 2, step 3,/m, ...set);
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.match(
    stopped.stderr,
    /^error: interrupted: saved checkpoint epoch\.002\.step\.(\d+); run the same command to resume$/m,
  );
  const ck = latestCheckpoint(join(work, "ctrl-c", "checkpoints"));
  assert.ok(ck && ck.id.step !== null, `a checkpoint inside epoch 2, got ${ck?.path}`);
  assert.equal(ck.state.dataPosition.epoch, 2);
  const done = Number(stderr(stopped).match(/step\.(\d+);/)?.[1]);
  assert.equal(ck.state.dataPosition.batch, done);
  // The last step line before the save is step done - 1: the save happened at a step boundary.
  const lastStep = [...stopped.stdout.matchAll(/^train epoch 2, step (\d+),/gm)].at(-1)?.[1];
  assert.equal(Number(lastStep), done - 1);
  const resumed = train("ctrl-c", ...set);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`^train epoch 2, step ${done},`, "m"));
  assert.doesNotMatch(resumed.stdout, new RegExp(`^train epoch 2, step ${done - 1},`, "m"));
  assert.equal(fingerprint("ctrl-c"), fingerprint("ctrl-c-once"));
  const lrs = (out: string) => JSON.parse(readFileSync(join(work, out, "learning_rates.json"), "utf8"));
  const scores = (out: string) =>
    Object.values(lrs(out).epochs).map((e) => (e as { scores: unknown }).scores);
  assert.deepEqual(scores("ctrl-c"), scores("ctrl-c-once"));
  assert.ok(!existsSync(join(work, "ctrl-c", "checkpoints", `epoch.002.step.${done}.safetensors`)));
});

const stderr = (r: { stderr: string }) => r.stderr;
