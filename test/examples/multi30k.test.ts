import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadConfig } from "../../src/config/index.js";
import { checkTopLevelKeys } from "../../src/config/keys.js";
import { diffConfigs } from "../../src/diag/diff/config-diff.js";
import { buildNetwork } from "../../src/network/network.js";
import { learnBpe, saveBpe } from "../../src/vocab/index.js";

// The examples read their vocab from MULTI30K_VOCAB; a tiny one stands in for Multi30k's.
const dir = mkdtempSync(join(tmpdir(), "repronet-examples-"));
before(() => {
  const vocab = join(dir, "bpe.json");
  saveBpe(learnBpe(["a small dog runs", "ein kleiner hund rennt", "two dogs play"], 20), vocab);
  process.env.MULTI30K_VOCAB = vocab;
});
after(() => rmSync(dir, { recursive: true, force: true }));

const load = async (name: string) => {
  const { config } = await loadConfig(`examples/${name}.ts`);
  checkTopLevelKeys(config, name);
  return config;
};

test("the Multi30k reference config builds (dry run forward and backward)", async () => {
  const net = buildNetwork(await load("multi30k-transformer"), "multi30k-transformer.ts");
  const names = net.params.list().map((p) => p.name);
  assert.ok(names.includes("source_embed_raw/W"));
  assert.ok(names.includes("output/target_embed_raw/W"));
  assert.ok(names.includes("output/output_prob/W"));
});

test("the tied variant shares one matrix for both embeddings and the softmax", async () => {
  const reference = await load("multi30k-transformer");
  const tied = await load("multi30k-tied");
  const net = buildNetwork(tied, "multi30k-tied.ts");
  const params = new Map(net.params.list().map((p) => [p.name, p.value.shape]));
  const refCount = buildNetwork(reference, "r.ts").params.list().length;
  assert.equal(params.size, refCount - 2);
  assert.ok(!params.has("output/target_embed_raw/W"));
  assert.ok(!params.has("output/output_prob/W"));
  assert.ok(params.has("output/output_prob/b"));
  const d = diffConfigs(reference, tied, "reference", "tied");
  assert.deepEqual(
    d.layers.map((l) => [l.layer, l.change, l.effect]),
    [
      ["output/output_prob", "changed", "affects"],
      ["output/target_embed_raw", "changed", "affects"],
    ],
  );
  assert.deepEqual(d.keys, []);
});
