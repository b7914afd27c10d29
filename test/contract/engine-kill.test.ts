/**
 * A process killed (SIGKILL) while it writes a checkpoint never leaves a
 * checkpoint that loads as valid but is corrupt, and the next run resumes from
 * the last complete one and ends where the run that never died ends.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { buildNetwork } from "../../src/network/network.js";
import { KeyedStream } from "../../src/rng/keyed.js";
import {
  checkpointName,
  fingerprintParams,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  readParams,
  resolveParamsFile,
} from "../../src/rundir/index.js";
import { train } from "../../src/train/trainer.js";
import { ReproError } from "../../src/util/errors.js";
import { referenceConfig } from "../helpers/contract.js";
import { fakeFactory } from "../train/fake-net.js";
import { crashConfig } from "../train/fake-run-main.js";

const work = mkdtempSync(join(tmpdir(), "repronet-engine-kill-"));
after(() => rmSync(work, { recursive: true, force: true }));

const CLI = fileURLToPath(new URL("../train/cli-main.js", import.meta.url));
const FAKE = fileURLToPath(new URL("../train/fake-run-main.js", import.meta.url));
const SMALL =
  'train={"class":"synthetic","task":"reverse","num_seqs":64,"vocab_size":24,"min_len":3,"max_len":10,"seed":1}';
const digest = (params: Map<string, { shape: readonly number[]; data: Float32Array }>) =>
  fingerprintParams(params).digest;

/** Fingerprint of each complete checkpoint of a run directory that never died, by checkpoint name. */
function reference(dir: string): Map<string, string> {
  const ck = join(dir, "checkpoints");
  return new Map(
    listCheckpoints(ck).map((id) => [checkpointName(id), digest(loadCheckpoint(ck, id).params)]),
  );
}

/** Every checkpoint that loads is bit-identical to the same checkpoint of the run that never died. */
function assertNoCorruptCheckpoint(dir: string, ref: Map<string, string>): void {
  const ck = join(dir, "checkpoints");
  for (const id of listCheckpoints(ck)) {
    let params: Map<string, { shape: readonly number[]; data: Float32Array }>;
    try {
      params = loadCheckpoint(ck, id).params;
    } catch (e) {
      assert.ok(e instanceof ReproError, String(e));
      continue; // incomplete: never resumed from
    }
    const name = checkpointName(id);
    if (id.step === null) assert.equal(digest(params), ref.get(name), `${dir}: ${name}`);
  }
}

const EPOCHS = 40;
let ref: Map<string, string>;
let fakeRef: Map<string, string>;
/** The fake run's fingerprint after 3 epochs. */
let fakeRef3: string;
before(async () => {
  const refDir = join(work, "reference");
  const config: Record<string, unknown> = { ...referenceConfig(), num_epochs: 2 };
  (config.train as Record<string, unknown>).num_seqs = 64;
  await train({ config, configFile: "ref.json", outDir: refDir, buildNetwork, log: () => {} });
  ref = reference(refDir);
  const fake = (epochs: number, dir: string) =>
    train({
      config: crashConfig(epochs),
      configFile: "fake.json",
      outDir: join(work, dir),
      buildNetwork: fakeFactory({ dropout: 0.1, hidden: 64 }),
      log: () => {},
    });
  await fake(EPOCHS, "fake-reference");
  fakeRef = reference(join(work, "fake-reference"));
  fakeRef3 = (await fake(3, "fake-reference-3")).fingerprint;
});

/** Kills `args` at `point` of its 2nd checkpoint write, checks what is left, resumes, and compares the end. */
function killAndResume(
  args: string[],
  out: string,
  point: string,
  resumesAfter: number,
  ref: Map<string, string>,
) {
  const env = { ...process.env, REPRONET_TEST_KILL_IN_CHECKPOINT: `${point}:2` };
  const killed = spawnSync(process.execPath, args, { encoding: "utf8", env });
  assert.equal(killed.signal, "SIGKILL", killed.stderr);
  assertNoCorruptCheckpoint(out, ref);
  assert.equal(latestCheckpoint(join(out, "checkpoints"))?.epoch, resumesAfter);
  const next = spawnSync(process.execPath, args, { encoding: "utf8" });
  assert.equal(next.status, 0, next.stderr);
  assert.ok(!readdirSync(join(out, "checkpoints")).some((f) => f.includes(".tmp-")));
  return next.stdout;
}

test("the reference config killed between the state and the parameter file of epoch 2 resumes from epoch 1", () => {
  const out = join(work, "reference-killed");
  const args = [
    CLI,
    "train",
    "examples/transformer-base.json",
    "--out",
    out,
    "--set",
    SMALL,
    "--set",
    "num_epochs=2",
  ];
  const stdout = killAndResume(args, out, "after-state", 1, ref);
  assert.match(stdout, /^resuming from .*epoch\.001\.safetensors/m);
  assert.equal(digest(readParams(resolveParamsFile(out))), ref.get("epoch.002"));
});

for (const [point, resumesAfter] of [
  ["before-state", 1],
  ["after-state", 1],
  ["after-params", 2],
] as const) {
  test(`killed ${point.replace("-", " ")} file of epoch 2: no corrupt checkpoint; the next run resumes from epoch ${resumesAfter}`, () => {
    const out = join(work, `fake-${point}`);
    const stdout = killAndResume([FAKE, out, "3"], out, point, resumesAfter, fakeRef);
    assert.equal(stdout.trim().split("\n").at(-1), fakeRef3);
  });
}

test("SIGKILL at pseudo-random moments, run after run: every checkpoint that loads is intact, and the end is the same", async () => {
  const epochs = EPOCHS;
  const out = join(work, "fake-killed");
  // Each run is killed a pseudo-random moment after its k-th checkpoint: mostly while it writes the next one.
  const draws = new KeyedStream(1, "kill-points").uniform(16);
  for (let run = 0; run < 8; run++) {
    const [k, ms] = [1 + Math.floor(draws[2 * run] * 3), draws[2 * run + 1] * 8];
    const child = spawn(process.execPath, [FAKE, out, String(epochs)], { stdio: ["ignore", "pipe", "pipe"] });
    let [stdout, stderr, armed] = ["", "", false];
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (!armed && (stdout.match(/^Save model under /gm) ?? []).length >= k) {
        armed = true;
        setTimeout(() => child.kill("SIGKILL"), ms);
      }
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on("close", (c, sig) => resolve([c, sig])),
    );
    assert.equal(signal, "SIGKILL", `run ${run} was to be killed; exit ${code}: ${stderr}`);
    assertNoCorruptCheckpoint(out, fakeRef);
  }
  assert.ok(
    (latestCheckpoint(join(out, "checkpoints"))?.epoch ?? 0) < epochs,
    "the runs were killed before the end",
  );
  const last = spawnSync(process.execPath, [FAKE, out, String(epochs)], { encoding: "utf8" });
  assert.equal(last.status, 0, last.stderr);
  assert.equal(last.stdout.trim().split("\n").at(-1), fakeRef.get(`epoch.0${epochs}`));
});
