/**
 * Contract: `repronet diff` names the first global step at which two runs
 * part and what parted first (initial parameters, batch, gradients, update),
 * on runs of different lengths and resumed runs; a non-finite layer is named;
 * returnn seeding reproduces creation-order dependence and keyed seeding does not.
 */
import assert from "node:assert/strict";
import { cpSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { diffPaths } from "../../src/diag/diff/index.js";
import type { DiffReport } from "../../src/diag/diff/types.js";
import { tempDir, tinyConfig, trainTiny, withLayers } from "../helpers/tiny-run.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const trained = async (config: Record<string, unknown>, outDir?: string) => {
  const d = await trainTiny(config, outDir);
  dirs.push(d);
  return d;
};
const firstStep = (r: DiffReport) => r.training?.divergence?.firstStep ?? null;

/** Steps per epoch of the tiny config (32 sequences of ≤ 5 tokens, ≤ 40 frames per batch). */
function stepsPerEpoch(dir: string): number {
  const records = readFileSync(join(dir, "train.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  return records.filter((r) => r.epoch === 1).length;
}

const base = trained(tinyConfig());

test("a learning-rate change from epoch 2 is reported at its first step, as the update", async () => {
  const a = await base;
  const k = stepsPerEpoch(a);
  const b = await trained(tinyConfig({ learning_rates: [0.01, 0.005] }));
  const r = await diffPaths(a, b);
  assert.deepEqual(firstStep(r), {
    globalStep: k,
    epoch: 2,
    step: 0,
    kind: "update",
    lastEqual: k - 1,
    compared: 2 * k,
  });
  assert.match(
    r.verdict.line,
    new RegExp(`^different: first at epoch 2 \\(parameters\\), at global step ${k} \\(the update\\)`),
  );
});

test("a data-order change from epoch 2 in a resumed run is reported at its first step, as the batch", async () => {
  const a = await base;
  const k = stepsPerEpoch(a);
  const b = tempDir("resumed");
  dirs.push(b);
  await trainTiny(tinyConfig({ num_epochs: 1 }), b);
  // A changed config resumes only when forced (the run directory refuses it otherwise).
  await trainTiny(tinyConfig({ seq_ordering: "random" }), b, { forceConfig: true });
  const r = await diffPaths(a, b);
  assert.equal(firstStep(r)?.globalStep, k);
  assert.equal(firstStep(r)?.kind, "batch");
});

test("a changed loss scale is reported at step 0 as the gradients; a shorter run compares over the common steps", async () => {
  const a = await base;
  const k = stepsPerEpoch(a);
  const scaled = withLayers(
    { output: { class: "softmax", from: ["hidden"], loss: "ce", target: "data", loss_scale: 0.5 } },
    { num_epochs: 1 },
  );
  const r = await diffPaths(a, await trained(scaled));
  assert.deepEqual(firstStep(r), {
    globalStep: 0,
    epoch: 1,
    step: 0,
    kind: "gradients",
    lastEqual: null,
    compared: k,
  });
});

test("identical runs: every common step has the same fingerprints", async () => {
  const a = await base;
  const r = await diffPaths(a, await trained(tinyConfig({ num_epochs: 1 })));
  assert.equal(r.training?.divergence?.firstStep, null);
  assert.equal(r.training?.divergence?.compared, stepsPerEpoch(a));
});

/** `aaa_zero` sorts before `output`: RETURNN constructs it (and what it reads) first. */
const ZERO_LOSS = {
  aaa_zero: { class: "eval", from: ["hidden"], eval: "0.0 * reduce_sum(source(0))", loss: "as_is" },
};

test("keyed seeding: a zero-loss layer changes nothing, bit for bit", async () => {
  const r = await diffPaths(await base, await trained(withLayers(ZERO_LOSS)));
  assert.equal(r.verdict.status, "identical", r.verdict.line);
  assert.equal(firstStep(r), null);
});

test("returnn seeding: the same layer changes the initial parameters, and diff says why", async () => {
  const seeding = { param_init_seeding: "returnn" };
  const a = await trained(tinyConfig(seeding));
  const r = await diffPaths(a, await trained(withLayers(ZERO_LOSS, seeding)));
  assert.equal(r.verdict.status, "different");
  assert.equal(firstStep(r)?.kind, "init");
  assert.equal(
    r.verdict.causes[0],
    "under returnn seeding, adding layer aaa_zero before output changes the initial value of output's parameters; with keyed seeding they are identical",
  );
});

test("a resumed run has the fingerprints of the run that never stopped", async () => {
  const b = tempDir("resume");
  dirs.push(b);
  cpSync(await trained(tinyConfig({ num_epochs: 1 })), b, { recursive: true });
  await trainTiny(tinyConfig(), b);
  const r = await diffPaths(await base, b);
  assert.equal(r.verdict.status, "identical", r.verdict.line);
  assert.equal(r.training?.divergence?.compared, 2 * stepsPerEpoch(b));
});
