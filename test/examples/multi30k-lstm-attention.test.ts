import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadConfig } from "../../src/config/index.js";
import { checkTopLevelKeys } from "../../src/config/keys.js";
import { buildNetwork } from "../../src/network/network.js";
import { parsePretrain } from "../../src/train/pretrain.js";
import { learnBpe, saveBpe } from "../../src/vocab/index.js";

// The example reads its vocab from MULTI30K_VOCAB; a tiny one stands in for Multi30k's.
const dir = mkdtempSync(join(tmpdir(), "repronet-lstm-example-"));
before(() => {
  const vocab = join(dir, "bpe.json");
  saveBpe(learnBpe(["a small dog runs", "ein kleiner hund rennt", "two dogs play"], 20), vocab);
  process.env.MULTI30K_VOCAB = vocab;
});
after(() => rmSync(dir, { recursive: true, force: true }));

for (const [file, layers] of [
  ["multi30k-lstm-attention.ts", 2],
  ["multi30k-lstm-attention-2018.ts", 4],
] as const)
  test(`the LSTM attention example ${file} builds (dry run forward and backward) with RETURNN's parameter names`, async () => {
    const { config } = await loadConfig(`examples/${file}`);
    checkTopLevelKeys(config, file);
    const net = buildNetwork(config, file);
    const names = net.params.list().map((p) => p.name);
    for (const name of [
      "lstm0_fw/rec/W_re",
      `lstm${layers - 1}_bw/rec/b`,
      "output/s/rec/lstm_cell/kernel",
      "output/weight_feedback/W",
    ])
      assert.ok(names.includes(name), name);
    assert.ok(!names.includes(`lstm${layers}_fw/rec/W`), `${layers} encoder layers`);
  });

test("the recipe that trains in 2 h has no pretraining; the 2018 recipe differs from it only in the encoder and the batches", async () => {
  const { config: trained } = await loadConfig("examples/multi30k-lstm-attention.ts");
  const { config: classic } = await loadConfig("examples/multi30k-lstm-attention-2018.ts");
  assert.equal(parsePretrain(trained, "x.ts"), null);
  const differing = Object.keys({ ...trained, ...classic })
    .filter((k) => JSON.stringify(trained[k]) !== JSON.stringify(classic[k]))
    .sort();
  assert.deepEqual(differing, [
    "batch_size",
    "learning_rate_warmup_steps",
    "max_seqs",
    "network",
    "num_epochs",
    "pretrain",
  ]);
});

test("the 2018 recipe's pretraining grows the encoder from 2 layers at half width to 4 at full width", async () => {
  const { config } = await loadConfig("examples/multi30k-lstm-attention-2018.ts");
  const p = parsePretrain(config, "x.ts")!;
  const layers = p.epochNets.map((n) => Object.keys(n).filter((k) => /^lstm\d_fw$/.test(k)).length);
  assert.deepEqual(layers, [2, 3, 4]);
  assert.deepEqual(
    p.epochNets.map((n) => n.lstm0_fw.n_out),
    [128, 192, 256],
  );
});
