/** Engine features on the fake network: accumulation, interruption, cleanup, logs, run-directory files. */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { test } from "node:test";
import { readSafetensors } from "../../src/io/safetensors.js";
import type { StepRecord } from "../../src/rundir/index.js";
import { latestCheckpoint, loadCheckpoint, readParams } from "../../src/rundir/index.js";
import { epochsToDelete } from "../../src/train/cleanup.js";
import type { ProgressStream } from "../../src/train/progress.js";
import { train } from "../../src/train/trainer.js";
import { ReproError } from "../../src/util/errors.js";
import { type FakeNetOptions, fakeConfig, fakeFactory } from "./fake-net.js";

const tmp = () => mkdtempSync(join(tmpdir(), "repronet-features-"));
const STEPS = 6; // batches per epoch of fakeConfig()

interface RunOptions {
  net?: FakeNetOptions;
  outDir?: string;
  /** Aborts (as Ctrl-C does) right after the log line that starts with this. */
  abortAfter?: string;
  progress?: ProgressStream | null;
}

async function run(config: Record<string, unknown>, o: RunOptions = {}) {
  const lines: string[] = [];
  const stop = new AbortController();
  let now = 0;
  const outDir = o.outDir ?? tmp();
  const result = await train({
    config,
    configFile: "fake.json",
    outDir,
    buildNetwork: fakeFactory(o.net ?? { dropout: 0.1 }),
    log: (l) => {
      lines.push(l);
      if (o.abortAfter && l.startsWith(o.abortAfter)) stop.abort();
    },
    clock: () => (now += 0.25),
    signal: stop.signal,
    progress: o.progress ?? null,
  });
  return { ...result, lines, outDir };
}

/** Runs until the abort; returns the error and the lines. */
async function interrupted(config: Record<string, unknown>, outDir: string, abortAfter: string) {
  let error: unknown;
  await run(config, { outDir, abortAfter }).catch((e) => {
    error = e;
  });
  assert.ok(error instanceof ReproError, `expected an interruption, got ${error}`);
  return error;
}

const jsonl = (dir: string): StepRecord[] =>
  readFileSync(join(dir, "train.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
const lrFile = (dir: string) => JSON.parse(readFileSync(join(dir, "learning_rates.json"), "utf8"));
const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
const ckDir = (dir: string) => join(dir, "checkpoints");

// --- accumulation ----------------------------------------------------------------

test("accum_grad_multiple_step: 1 is the plain loop; N updates every N batches across epochs", async () => {
  const base = await run(fakeConfig());
  assert.equal((await run(fakeConfig({ accum_grad_multiple_step: 1 }))).fingerprint, base.fingerprint);
  const acc = await run(fakeConfig({ accum_grad_multiple_step: 4 }));
  assert.notEqual(acc.fingerprint, base.fingerprint);
  // 12 batches: updates after global steps 3, 7, 11.
  const ck = loadCheckpoint(ckDir(acc.outDir), 2);
  assert.ok(Object.values(ck.state.optimizer.steps).every((n) => n === 3));
  assert.deepEqual(
    jsonl(acc.outDir).map((r) => r.update),
    [false, false, false, true, false, false, false, true, false, false, false, true],
  );
  // After epoch 1 (6 batches) two batches are accumulated, and the checkpoint carries their sum.
  const e1 = loadCheckpoint(ckDir(acc.outDir), 1);
  assert.equal(e1.state.accumulated?.count, 2);
  assert.deepEqual(Object.keys(e1.state.accumulated?.sums ?? {}), ["fake/emb", "fake/out/W", "fake/out/b"]);
});

test("resume with gradients accumulated across the epoch boundary equals the run that never stopped", async () => {
  const cfg = (n: number) => fakeConfig({ accum_grad_multiple_step: 4, num_epochs: n });
  const once = await run(cfg(3));
  const out = tmp();
  await run(cfg(1), { outDir: out });
  const resumed = await run(cfg(3), { outDir: out });
  assert.equal(resumed.fingerprint, once.fingerprint);
});

// --- Ctrl-C ------------------------------------------------------------------------

test("an interrupt saves a checkpoint at the next step boundary, and resuming gives the run that never stopped", async () => {
  const cfg = fakeConfig({ num_epochs: 3, seq_ordering: "random", accum_grad_multiple_step: 2 });
  const once = await run(cfg);
  const out = tmp();
  const e = await interrupted(cfg, out, "train epoch 2, step 2,");
  assert.equal(e.exitCode, 130);
  assert.equal(e.message, "interrupted: saved checkpoint epoch.002.step.3; run the same command to resume");
  const ck = latestCheckpoint(ckDir(out));
  assert.deepEqual(ck?.id, { epoch: 2, pretrain: false, step: 3 });
  assert.deepEqual(ck?.state.dataPosition, { epoch: 2, batch: 3 });
  assert.equal(ck?.state.globalStep, STEPS + 3);
  assert.equal(ck?.state.accumulated?.count, 1);
  const resumed = await run(cfg, { outDir: out });
  assert.equal(resumed.fingerprint, once.fingerprint);
  assert.ok(
    resumed.lines[0].includes("resuming from") || resumed.lines.some((l) => l.includes("resuming from")),
  );
  // The epoch's scores include the steps before the interruption.
  const summary = (r: { lines: string[] }) => r.lines.filter((l) => /^epoch [23] (score|dev)/.test(l));
  assert.deepEqual(
    summary(resumed).map((l) => l.replace(/elapsed: .*/, "")),
    summary(once).map((l) => l.replace(/elapsed: .*/, "")),
  );
  assert.deepEqual(lrFile(out).epochs["2"].scores, lrFile(once.outDir).epochs["2"].scores);
  // train.jsonl lists every global step once; the partial checkpoint is gone once epoch 2 is saved.
  assert.deepEqual(
    jsonl(out).map((r) => r.global_step),
    Array.from({ length: 3 * STEPS }, (_, i) => i),
  );
  assert.ok(!readdirSync(ckDir(out)).some((f) => f.includes(".step.")));
  assert.deepEqual(
    manifest(out).history.map((h: { outcome: string; resumed_from: string | null }) => [
      h.outcome,
      h.resumed_from,
    ]),
    [
      ["interrupted", null],
      ["finished", "epoch.002.step.3"],
    ],
  );
});

test("an interrupt in an epoch's last step saves that epoch's checkpoint", async () => {
  const out = tmp();
  const e = await interrupted(fakeConfig({ num_epochs: 3 }), out, `train epoch 1, step ${STEPS - 1},`);
  assert.match(e.message, /^interrupted: saved checkpoint epoch\.001; /);
  assert.equal(latestCheckpoint(ckDir(out))?.epoch, 1);
});

// --- .broken ---------------------------------------------------------------------

test("a non-finite step writes OUT/broken/epoch.NNN.broken.safetensors with the parameters before it", async () => {
  const out = tmp();
  await assert.rejects(
    run(fakeConfig({ num_epochs: 3 }), { outDir: out, net: { nanFromStep: 8 } }),
    /objective is NaN/,
  );
  const path = join(out, "broken", "epoch.002.broken.safetensors");
  const { metadata } = readSafetensors(path);
  assert.equal(metadata.step, "2");
  assert.equal(metadata.global_step, "8");
  assert.match(metadata.error, /^epoch 2, step 2: objective is NaN/);
  assert.deepEqual(
    [...readParams(path, { allowBroken: true }).keys()],
    ["fake/emb", "fake/out/W", "fake/out/b"],
  );
  assert.equal(latestCheckpoint(ckDir(out))?.epoch, 1);
});

// --- cleanup_old_models --------------------------------------------------------------

test("cleanup_old_models keeps the last N, the best N per score key and `keep`, as RETURNN", () => {
  const scores = new Map(
    [5, 3, 4, 1, 2, 6, 7, 8].map((v, i) => [i + 1, { dev_score: v, dev_error: 0.5, train_score: 9 - i }]),
  );
  const epochs = [1, 2, 3, 4, 5, 6, 7, 8];
  // dev_error is the same everywhere (ignored); best dev_score: 4, 5; best train_score: 7, 8; last: 7, 8.
  assert.deepEqual(epochsToDelete(epochs, scores, { keepLastN: 2, keepBestN: 2, keep: [1] }), [2, 3, 6]);
  // RETURNN's default keep pattern for ≤ 10 epochs: every 4th and 5·2^i.
  assert.deepEqual(epochsToDelete(epochs, scores, { keepLastN: 2, keepBestN: 2, keep: null }), [1, 2, 3, 6]);
  // Nothing is deleted while there are no more checkpoints than max(keep_last_n, keep_best_n).
  assert.deepEqual(epochsToDelete([1, 2, 3, 4], scores, { keepLastN: 2, keepBestN: 4, keep: [] }), []);
});

test("cleanup_old_models deletes checkpoints after each save", async () => {
  const r = await run(
    fakeConfig({ num_epochs: 6, cleanup_old_models: { keep_last_n: 1, keep_best_n: 1, keep: [2] } }),
  );
  const kept = readdirSync(ckDir(r.outDir))
    .filter((f) => !f.includes("state"))
    .map((f) => Number(f.split(".")[1]));
  const scores = new Map(
    Object.entries(lrFile(r.outDir).epochs).map(([e, rec]) => [
      Number(e),
      (rec as { scores: Record<string, number> }).scores,
    ]),
  );
  assert.ok(kept.includes(2) && kept.includes(6));
  assert.deepEqual(
    epochsToDelete(kept, scores, { keepLastN: 1, keepBestN: 1, keep: [2] }),
    [],
    "what is left is what the rule keeps",
  );
  assert.ok(kept.length < 6);
  for (const e of kept) assert.ok(existsSync(join(ckDir(r.outDir), `epoch.00${e}.state.safetensors`)));
});

// --- logs ----------------------------------------------------------------------------

test("log_verbosity 2 prints epoch summaries only; 3 adds epoch start, finish and saves", async () => {
  const two = await run(fakeConfig({ log_verbosity: 2 }));
  assert.ok(two.lines.length > 0);
  assert.ok(
    two.lines.every((l) => /^epoch \d+ (score|dev):/.test(l)),
    two.lines.join("\n"),
  );
  const three = await run(fakeConfig({ log_verbosity: 3 }));
  assert.ok(!three.lines.some((l) => /, step \d+, /.test(l)));
  assert.ok(three.lines.includes("start epoch 1 with learning rate 0.05"));
  assert.ok(three.lines.some((l) => l.startsWith("Save model under ")));
});

test("log_every_n_steps prints every N-th step line and the epoch's last", async () => {
  const r = await run(fakeConfig({ num_epochs: 1, log_every_n_steps: 4 }));
  const steps = r.lines
    .filter((l) => l.startsWith("train epoch 1, step"))
    .map((l) => Number(l.split(" ")[4].replace(",", "")));
  assert.deepEqual(steps, [0, 4, 5]);
});

class FakeTty extends Writable {
  isTTY = true;
  columns = 120;
  text = "";
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

test("at log_verbosity 3-4 a terminal gets a progress bar with loss, steps/s and time left", async () => {
  for (const v of [3, 4]) {
    const tty = new FakeTty();
    await run(fakeConfig({ num_epochs: 1, log_verbosity: v }), { progress: tty });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strip ANSI cursor codes
    const plain = tty.text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
    assert.match(plain, /train epoch 1 \[█+\] 6\/6 \| loss \d\.\d+ \| \d+\.\d\d steps\/s \| 0:00:00 left/);
  }
  for (const [v, isTTY] of [
    [5, true],
    [3, false],
  ] as const) {
    const tty = new FakeTty();
    tty.isTTY = isTTY;
    await run(fakeConfig({ num_epochs: 1, log_verbosity: v }), { progress: tty });
    assert.equal(tty.text, "", `verbosity ${v}, tty ${isTTY}`);
  }
});

// --- run-directory files ---------------------------------------------------------------

test("OUT/train.jsonl has one record per step: costs, learning rate, gradient norm, sec/step", async () => {
  const r = await run(fakeConfig({ learning_rate_warmup_steps: 4, learning_rate_schedule: "noam" }), {
    net: { aux: "finite" },
  });
  const records = jsonl(r.outDir);
  assert.equal(records.length, 2 * STEPS);
  assert.deepEqual(Object.keys(records[0]).sort(), [
    "cost",
    "epoch",
    "error",
    "fingerprint",
    "global_step",
    "grad_norm",
    "learning_rate",
    "loss",
    "sec_per_step",
    "step",
  ]);
  assert.deepEqual(Object.keys(records[0].cost), ["aaa_aux", "output"]);
  assert.deepEqual(
    records.map((x) => [x.epoch, x.step]),
    Array.from({ length: 2 * STEPS }, (_, i) => [1 + Math.floor(i / STEPS), i % STEPS]),
  );
  const noam = (s: number) => 0.05 * Math.min((s + 1) / 4, Math.sqrt(4 / (s + 1)));
  assert.deepEqual(
    records.map((x) => x.learning_rate),
    records.map((x) => noam(x.global_step)),
  );
  assert.ok(records.every((x) => x.grad_norm > 0 && x.sec_per_step === 0.25));
});

test("log_grad_norms records each parameter's gradient norm; together they make grad_norm; training unchanged", async () => {
  const plain = await run(fakeConfig());
  const traced = await run(fakeConfig({ log_grad_norms: true }));
  assert.equal(traced.fingerprint, plain.fingerprint);
  for (const r of jsonl(traced.outDir)) {
    const norms = Object.values(r.grad_norms!);
    assert.ok(norms.length > 0);
    const total = Math.sqrt(norms.reduce((s, n) => s + n * n, 0));
    assert.ok(Math.abs(total - r.grad_norm) <= 1e-9 * r.grad_norm, `${total} vs ${r.grad_norm}`);
  }
  assert.ok(jsonl(plain.outDir).every((r) => r.grad_norms === undefined));
});

test("learning_rates.json has per epoch the rate, every score and meta (steps, times); no temp file stays", async () => {
  const r = await run(fakeConfig({ eval_datasets: { devtrain: fakeConfig().train } }));
  const e1 = lrFile(r.outDir).epochs["1"];
  assert.equal(e1.learningRate, 0.05);
  assert.deepEqual(Object.keys(e1.scores), [
    "dev_error",
    "dev_score",
    "devtrain_error",
    "devtrain_score",
    "train_error",
    "train_score",
  ]);
  assert.equal(e1.meta.steps, STEPS);
  assert.equal(typeof e1.meta.train_time, "number");
  assert.equal(typeof e1.meta.eval_time, "number");
  assert.match(e1.meta.finished_at, /^\d{4}-\d\d-\d\dT/);
  assert.ok(!readdirSync(r.outDir).some((f) => f.includes(".tmp")));
  assert.ok(r.lines.some((l) => /^epoch 1 devtrain: score \d\.\d+ error \d\.\d+$/.test(l)));
  assert.equal(manifest(r.outDir).learning_rate_control.error_measure, "dev_score");
});

test("eval_datasets names must be usable score-key prefixes", async () => {
  await assert.rejects(
    run(fakeConfig({ eval_datasets: { dev: fakeConfig().dev } })),
    /fake\.json: eval_datasets: "dev" is not a usable name/,
  );
});

test("the manifest keeps a history of every invocation on the run directory", async () => {
  const out = tmp();
  await run(fakeConfig({ num_epochs: 1 }), { outDir: out });
  await run(fakeConfig({ num_epochs: 2 }), { outDir: out });
  const m = manifest(out);
  assert.equal(m.history.length, 2);
  assert.deepEqual(
    m.history.map((h: { outcome: string; resumed_from: string | null; stopped_at: unknown }) => [
      h.outcome,
      h.resumed_from,
      h.stopped_at,
    ]),
    [
      ["finished", null, { epoch: 1, global_step: STEPS }],
      ["finished", "epoch.001", { epoch: 2, global_step: 2 * STEPS }],
    ],
  );
  assert.notEqual(m.history[0].config_sha256, m.history[1].config_sha256);
  assert.equal(m.history[1].config_sha256, m.config.sha256);
  assert.equal(m.resumed_from_epoch, 1);
});
