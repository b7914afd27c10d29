import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { resumeChanges } from "../../src/diag/resume-notes.js";
import { kernels } from "../../src/kernels/active.js";
import { fingerprintParams, latestCheckpoint, readParams } from "../../src/rundir/index.js";
import { liveTensorCount } from "../../src/tensor/tensor.js";
import { type TrainOptions, train } from "../../src/train/trainer.js";
import { ReproError } from "../../src/util/errors.js";
import { type FakeNetOptions, fakeConfig, fakeFactory } from "./fake-net.js";

const tmp = () => mkdtempSync(join(tmpdir(), "repronet-train-"));

async function run(
  config: Record<string, unknown>,
  o: FakeNetOptions = {},
  outDir = tmp(),
  threads?: number,
  extra: Partial<TrainOptions> = {},
) {
  const lines: string[] = [];
  let now = 0;
  const result = await train({
    config,
    configFile: "fake.json",
    outDir,
    buildNetwork: fakeFactory(o),
    threads,
    log: (l) => lines.push(l),
    clock: () => (now += 0.25),
    ...extra,
  });
  return { ...result, lines, outDir };
}

test("two runs of the same config give identical fingerprints and checkpoint bytes", async () => {
  const cfg = fakeConfig({ seq_ordering: "random" });
  const a = await run(cfg, { dropout: 0.2 });
  const b = await run(cfg, { dropout: 0.2 });
  assert.equal(a.fingerprint, b.fingerprint);
  const ck = "checkpoints/epoch.002.safetensors";
  assert.deepEqual(readFileSync(join(a.outDir, ck)), readFileSync(join(b.outDir, ck)));
  const strip = (r: { lines: string[]; outDir: string }) => r.lines.map((l) => l.replace(r.outDir, "OUT"));
  assert.deepEqual(strip(a), strip(b));
});

test("a different random_seed gives a different model", async () => {
  const a = await run(fakeConfig({ num_epochs: 1 }));
  const b = await run(fakeConfig({ num_epochs: 1, random_seed: 4 }));
  assert.notEqual(a.fingerprint, b.fingerprint);
});

test("the loss decreases on a learnable task", async () => {
  const r = await run(fakeConfig({ num_epochs: 6 }));
  const scores = r.lines.filter((l) => /^epoch \d+ score:/.test(l)).map((l) => Number(l.split(" ")[3]));
  assert.equal(scores.length, 6);
  assert.ok(scores[5] < scores[0] * 0.5, `scores ${scores}`);
  const dev = r.lines.filter((l) => /^epoch \d+ dev:/.test(l)).map((l) => Number(l.split(" ")[4]));
  assert.ok(dev[5] < dev[0], `dev ${dev}`);
});

test("--threads 1 and --threads 2 give identical results; the manifest records the count", async () => {
  const a = await run(fakeConfig({ num_epochs: 1 }), {}, tmp(), 1);
  const b = await run(fakeConfig({ num_epochs: 1 }), {}, tmp(), 2);
  assert.equal(a.fingerprint, b.fingerprint);
  assert.equal(JSON.parse(readFileSync(join(b.outDir, "manifest.json"), "utf8")).threads, 2);
});

test("step lines, epoch summaries and dev lines are printed in RETURNN's format", async () => {
  const r = await run(fakeConfig({ num_epochs: 1 }));
  const steps = r.lines.filter((l) => l.startsWith("train epoch 1, step"));
  assert.ok(steps.length > 1);
  assert.match(
    steps[0],
    /^train epoch 1, step 0, cost:output \d\.\d+, error:output \d(\.\d+)?, loss \d\.\d+, 0\.250 sec\/step, elapsed 0:00:00, exp\. remaining 0:00:\d\d, complete \d+\.\d\d%$/,
  );
  assert.match(steps[steps.length - 1], /complete 100\.00%$/);
  assert.ok(r.lines.includes("start epoch 1 with learning rate 0.05"));
  assert.ok(r.lines.some((l) => /^epoch 1 score: \d\.\d+ error: \d\.\d+ elapsed: 0:00:\d\d$/.test(l)));
  assert.ok(r.lines.some((l) => /^epoch 1 dev: score \d\.\d+ error \d\.\d+$/.test(l)));
  assert.ok(r.lines.some((l) => l.startsWith("Save model under ")));
});

// The fake network keeps the aux loss out of its own objective (as the real network does,
// test/contract/no-op.test.ts); what this tests is the engine: it must not let a reported
// loss that is not in the objective — one whose name sorts first, even a NaN one — steer the
// learning-rate control, the error measure or the step.
test("a zero-scaled auxiliary loss, even a NaN one, is reported but changes nothing", async () => {
  const cfg = fakeConfig({
    learning_rate_control: "newbob_multi_epoch",
    num_epochs: 3,
    newbob_multi_num_epochs: 1,
    newbob_relative_error_threshold: -100, // decay after every epoch with a finite error measure
  });
  const base = await run(cfg);
  const finite = await run(cfg, { aux: "finite" });
  const nan = await run(cfg, { aux: "nan" });
  // The auxiliary head's own parameter exists only in the variants; everything else is bitwise equal.
  const fp = (dir: string) =>
    fingerprintParams(readParams(join(dir, "checkpoints/epoch.003.safetensors")), { exclude: /^aaa_aux\// })
      .digest;
  assert.equal(fp(base.outDir), base.fingerprint);
  assert.equal(fp(finite.outDir), base.fingerprint);
  assert.equal(fp(nan.outDir), base.fingerprint);
  assert.ok(nan.lines.some((l) => l.includes("cost:aaa_aux nan")));
  const lrs = (dir: string) =>
    Object.values(JSON.parse(readFileSync(join(dir, "learning_rates.json"), "utf8")).epochs).map(
      (e) => (e as { learningRate: number }).learningRate,
    );
  assert.ok(new Set(lrs(base.outDir)).size > 1, "newbob changed the learning rate in the base run");
  assert.deepEqual(lrs(nan.outDir), lrs(base.outDir));
  assert.deepEqual(lrs(finite.outDir), lrs(base.outDir));
  const manifest = JSON.parse(readFileSync(join(nan.outDir, "manifest.json"), "utf8"));
  assert.equal(manifest.learning_rate_control.error_measure, "dev_score_output");
});

test("log_zero_scaled_losses: false keeps zero-scaled losses out of step lines", async () => {
  const r = await run(fakeConfig({ num_epochs: 1, log_zero_scaled_losses: false }), { aux: "finite" });
  assert.ok(!r.lines.some((l) => l.startsWith("train epoch") && l.includes("aaa_aux")));
});

test("a non-finite objective stops training with a one-line error and no checkpoint for that epoch", async () => {
  const out = tmp();
  await assert.rejects(
    run(fakeConfig({ num_epochs: 3 }), { nanFromStep: 6 }, out),
    (e: unknown) =>
      e instanceof ReproError && /^epoch 2, step \d+: objective is NaN \(cost:output NaN\)$/.test(e.message),
  );
  assert.equal(latestCheckpoint(join(out, "checkpoints"))?.epoch, 1);
  assert.ok(!readdirSync(join(out, "checkpoints")).some((f) => f.includes("tmp")));
});

test("resume: 1 epoch, then 3 on the same OUT, equals 3 in one go", async () => {
  const cfg = (n: number) =>
    fakeConfig({
      num_epochs: n,
      seq_ordering: "laplace:2",
      learning_rate_control: "newbob_multi_epoch",
      newbob_multi_num_epochs: 1,
      newbob_relative_error_threshold: -0.5,
    });
  const once = await run(cfg(3), { dropout: 0.1 });
  const out = tmp();
  await run(cfg(1), { dropout: 0.1 }, out);
  const resumed = await run(cfg(3), { dropout: 0.1 }, out);
  assert.equal(resumed.resumedFrom, 1);
  assert.equal(resumed.fingerprint, once.fingerprint);
  assert.equal(resumed.globalStep, once.globalStep);
  const lrs = (dir: string) => JSON.parse(readFileSync(join(dir, "learning_rates.json"), "utf8"));
  assert.deepEqual(
    Object.values(lrs(out).epochs).map((e) => (e as { learningRate: number }).learningRate),
    Object.values(lrs(once.outDir).epochs).map((e) => (e as { learningRate: number }).learningRate),
  );
  const again = await run(cfg(3), { dropout: 0.1 }, out);
  assert.equal(again.fingerprint, once.fingerprint);
  assert.ok(again.lines.some((l) => l.startsWith("nothing to do")));
  // More epochs is no change worth a note; another learning rate is an error, unless forced.
  assert.ok(!resumed.lines.some((l) => l.startsWith("note: resuming")));
  const diffRules = { compareManifests: resumeChanges };
  await assert.rejects(
    run({ ...cfg(4), learning_rate: 0.5 }, { dropout: 0.1 }, out, undefined, diffRules),
    new RegExp(
      `^ReproError: fake.json: differs from the config ${out} was trained with: learning_rate 0.05 → 0.5; use --force-config`,
    ),
  );
  const forced = { ...diffRules, forceConfig: true };
  const changed = await run({ ...cfg(4), learning_rate: 0.5 }, { dropout: 0.1 }, out, undefined, forced);
  assert.ok(
    changed.lines.some((l) => l.startsWith("note: resuming with changes") && l.includes("learning_rate")),
    changed.lines.join("\n"),
  );
});

test("resuming with another random_seed is an error", async () => {
  const out = tmp();
  await run(fakeConfig({ num_epochs: 1 }), {}, out);
  await assert.rejects(
    run(fakeConfig({ num_epochs: 2, random_seed: 9 }), {}, out),
    /trained with random_seed 3, the config says 9/,
  );
});

test("save_interval saves every N epochs and the last one", async () => {
  const r = await run(fakeConfig({ num_epochs: 3, save_interval: 2 }));
  const files = readdirSync(join(r.outDir, "checkpoints")).filter((f) => !f.includes("state"));
  assert.deepEqual(files.sort(), ["epoch.002.safetensors", "epoch.003.safetensors"]);
});

test("the run writes manifest.json and learning_rates.json", async () => {
  const r = await run(fakeConfig({ num_epochs: 1 }));
  const m = JSON.parse(readFileSync(join(r.outDir, "manifest.json"), "utf8"));
  assert.equal(m.kernels, kernels().name);
  assert.equal(m.seeds.random_seed, 3);
  assert.equal(m.seeds.train.dataset, 1);
  assert.equal(m.config.resolved.learning_rate, 0.05);
  assert.match(m.config.sha256, /^sha256:[0-9a-f]{64}$/);
  assert.equal(m.learning_rate_control.error_measure, "dev_score");
  const lr = JSON.parse(readFileSync(join(r.outDir, "learning_rates.json"), "utf8"));
  assert.equal(lr.epochs["1"].learningRate, 0.05);
  assert.deepEqual(Object.keys(lr.epochs["1"].scores).sort(), [
    "dev_error",
    "dev_score",
    "train_error",
    "train_score",
  ]);
});

test("pretrain needs a network dict to modify", async () => {
  await assert.rejects(
    run(fakeConfig({ pretrain: "default" })),
    /fake\.json: pretrain: needs a "network" dict/,
  );
});

test("extern_data must match what the dataset provides", async () => {
  const ok = { data: { dim: 6, sparse: true }, classes: { dim: 6, sparse: true } };
  await run(fakeConfig({ num_epochs: 1, extern_data: ok }));
  await assert.rejects(
    run(fakeConfig({ extern_data: { ...ok, classes: { dim: 5, sparse: true } } })),
    /fake\.json: train: extern_data "classes" has dim 5, the dataset's "classes" has 6/,
  );
  await assert.rejects(
    run(fakeConfig({ extern_data: { ...ok, speaker: { dim: 3 } } })),
    /extern_data "speaker" is not provided by the dataset \(it has: classes, data\)/,
  );
  await assert.rejects(
    run(fakeConfig({ extern_data: { data: { dim: 6 } } })),
    /extern_data "data" is dense, the dataset's is sparse/,
  );
});

test("a config without a train dataset is an error", async () => {
  await assert.rejects(run(fakeConfig({ train: undefined })), /fake\.json: no "train" dataset configured/);
});

test("training leaks no tensors", async () => {
  await run(fakeConfig({ num_epochs: 1 }));
  const before = liveTensorCount();
  await run(fakeConfig({ num_epochs: 2 }));
  // Only the new network's parameters stay alive.
  assert.equal(liveTensorCount() - before, 3);
});

test("two processes train to the same fingerprint", () => {
  const main = fileURLToPath(new URL("fake-train-main.js", import.meta.url));
  const fp = () =>
    execFileSync(process.execPath, [main, tmp()], { encoding: "utf8" }).trim().split("\n").pop();
  const a = fp();
  assert.match(a ?? "", /^sha256:[0-9a-f]{64}$/);
  assert.equal(fp(), a);
});

test("checkpoints exist only as complete pairs", async () => {
  const r = await run(fakeConfig({ num_epochs: 2 }));
  for (const e of ["001", "002"]) {
    assert.ok(existsSync(join(r.outDir, "checkpoints", `epoch.${e}.safetensors`)));
    assert.ok(existsSync(join(r.outDir, "checkpoints", `epoch.${e}.state.safetensors`)));
  }
});

test("a max_seq_length that skips every sequence is named as the reason there are no batches", async () => {
  await assert.rejects(
    run(fakeConfig({ max_seq_length: 1 })),
    /^ReproError: train: the dataset yields no batches \(max_seq_length skips all 24 sequences of epoch 1\)$/,
  );
});
