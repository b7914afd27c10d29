/** Pretraining end to end on a small MLP built by the real network builder. */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildNetwork } from "../../src/network/network.js";
import { loadCheckpoint, readParams } from "../../src/rundir/index.js";
import { paramsOf } from "../../src/train/networks.js";
import { train } from "../../src/train/trainer.js";

const tmp = () => mkdtempSync(join(tmpdir(), "repronet-pretrain-"));

/** data → emb → l1 → l2 → output; "from_output" pretrains {emb, output}, then {emb, l1, output}, then all. */
const mlp = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  random_seed: 5,
  extern_data: { data: { dim: 6, sparse: true }, classes: { dim: 6, sparse: true } },
  train: { class: "synthetic", task: "copy", num_seqs: 24, vocab_size: 6, min_len: 2, max_len: 6, seed: 1 },
  dev: { class: "synthetic", task: "copy", num_seqs: 8, vocab_size: 6, min_len: 2, max_len: 6, seed: 2 },
  batch_size: 30,
  max_seqs: 6,
  num_epochs: 4,
  learning_rate: 0.01,
  pretrain: "default",
  network: {
    emb: { class: "linear", from: "data", n_out: 8, activation: "tanh" },
    l1: { class: "linear", from: "emb", n_out: 8, activation: "tanh" },
    l2: { class: "linear", from: "l1", n_out: 8, activation: "tanh" },
    output: { class: "softmax", from: "l2", loss: "ce", target: "data" },
  },
  ...over,
});

async function run(config: Record<string, unknown>, outDir = tmp()) {
  const lines: string[] = [];
  const r = await train({ config, configFile: "mlp.json", outDir, buildNetwork, log: (l) => lines.push(l) });
  return { ...r, lines, outDir };
}

const STEPS_PER_EPOCH = 6;

async function grown(resetOptimizer: boolean) {
  // Epoch 2 (the first network change) runs at learning rate 0: its parameters stay as copied.
  const r = await run(
    mlp({ num_epochs: 2, learning_rates: { "2": 0 }, pretrain_reset_optimizer: resetOptimizer }),
  );
  const ck = (e: number) =>
    loadCheckpoint(join(r.outDir, "checkpoints"), { epoch: e, pretrain: true, step: null });
  return { r, e1: ck(1), e2: ck(2) };
}

test("a network that grows keeps the copied parameters; new layers start from their keyed initial value", async () => {
  const { e1, e2 } = await grown(false);
  assert.deepEqual([...e1.params.keys()].sort(), ["emb/W", "emb/b", "output/W", "output/b"]);
  for (const name of e1.params.keys()) assert.deepEqual(e2.params.get(name), e1.params.get(name), name);
  const { l2: _, ...net } = mlp().network as Record<string, Record<string, unknown>>;
  const fresh = paramsOf(
    buildNetwork(mlp({ network: { ...net, output: { ...net.output, from: "l1" } } }), "x"),
  );
  assert.deepEqual(e2.params.get("l1/W"), fresh.get("l1/W"));
  assert.deepEqual(e2.params.get("l1/b"), fresh.get("l1/b"));
});

test("a network that grows keeps the Adam moments of persisting parameters (or resets them on request)", async () => {
  const kept = await grown(false);
  assert.deepEqual(kept.e2.state.optimizer.steps, {
    "emb/W": 2 * STEPS_PER_EPOCH,
    "emb/b": 2 * STEPS_PER_EPOCH,
    "l1/W": STEPS_PER_EPOCH,
    "l1/b": STEPS_PER_EPOCH,
    "output/W": 2 * STEPS_PER_EPOCH,
    "output/b": 2 * STEPS_PER_EPOCH,
  });
  assert.ok(
    kept.r.lines.some((l) =>
      /^pretrain epoch 2: network changed: 4 parameters copied, 2 new \(l1\/W, l1\/b\), 0 dropped; optimizer state of 4 persisting parameters kept/.test(
        l,
      ),
    ),
  );
  const reset = await grown(true);
  assert.ok(Object.values(reset.e2.state.optimizer.steps).every((n) => n === STEPS_PER_EPOCH));
  assert.ok(reset.r.lines.some((l) => l.endsWith("optimizer state reset (pretrain_reset_optimizer)")));
  assert.notDeepEqual(kept.e2.state.optimizer.slots["m/emb/W"], reset.e2.state.optimizer.slots["m/emb/W"]);
});

test("pretrain epochs log as `pretrain epoch N` and save epoch.pretrain.NNN", async () => {
  const r = await run(mlp());
  assert.ok(r.lines.includes("start pretrain epoch 1 with learning rate 0.01"));
  assert.ok(r.lines.some((l) => l.startsWith("pretrain epoch 3, step 0, cost:output ")));
  assert.ok(r.lines.some((l) => /^pretrain epoch 3 score: [\d.]+ error: [\d.]+ elapsed: /.test(l)));
  assert.ok(r.lines.some((l) => /^pretrain epoch 3 dev: score /.test(l)));
  assert.ok(r.lines.some((l) => l.startsWith("train epoch 4, step 0, ")));
  const files = readdirSync(join(r.outDir, "checkpoints")).filter((f) => !f.includes("state"));
  assert.deepEqual(files.sort(), [
    "epoch.004.safetensors",
    "epoch.pretrain.001.safetensors",
    "epoch.pretrain.002.safetensors",
    "epoch.pretrain.003.safetensors",
  ]);
  assert.deepEqual(
    [...readParams(join(r.outDir, "checkpoints", "epoch.pretrain.001.safetensors")).keys()],
    ["emb/W", "emb/b", "output/W", "output/b"],
  );
});

const lrs = (dir: string) =>
  Object.values(JSON.parse(readFileSync(join(dir, "learning_rates.json"), "utf8")).epochs).map(
    (e) => (e as { learningRate: number }).learningRate,
  );

test("pretrain_learning_rate holds during pretraining, learning_rate right after, then the control (as RETURNN)", async () => {
  // newbob_abs with a threshold of -100 decays after every epoch it looks at.
  const control = { learning_rate_control: "newbob_abs", newbob_error_threshold: -100, num_epochs: 5 };
  const r = await run(mlp({ ...control, pretrain_learning_rate: 0.02 }));
  assert.deepEqual(lrs(r.outDir), [0.02, 0.02, 0.02, 0.01, 0.005]);
  assert.ok(r.lines.includes("start pretrain epoch 1 with learning rate 0.02"));
  const always = await run(
    mlp({ ...control, pretrain_learning_rate: 0.02, use_learning_rate_control_always: true }),
  );
  assert.deepEqual(lrs(always.outDir), [0.01, 0.01, 0.005, 0.0025, 0.00125]);
});

test("resuming across network changes gives the run that never stopped", async () => {
  const once = await run(mlp());
  for (const first of [1, 2]) {
    const out = tmp();
    await run(mlp({ num_epochs: first }), out);
    const resumed = await run(mlp(), out);
    assert.equal(resumed.resumedFrom, first);
    assert.equal(resumed.fingerprint, once.fingerprint, `resumed after epoch ${first}`);
  }
});
