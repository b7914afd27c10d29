/**
 * The original report replayed (scripts/original-report.mjs) in a tiny form:
 * under keyed seeding the zero-loss variant is bit-identical to the baseline,
 * under returnn seeding it differs from step 0 and diff names the cause. And
 * every variant patch yields a valid config for both bases (synthetic and Multi30k).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import { loadConfig } from "../../src/config/index.js";
import { checkTopLevelKeys } from "../../src/config/keys.js";
import { buildNetwork } from "../../src/network/network.js";
import { learnBpe, saveBpe } from "../../src/vocab/index.js";

const dir = mkdtempSync(join(tmpdir(), "repronet-original-report-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const TINY_TRAIN = {
  class: "synthetic",
  task: "reverse",
  num_seqs: 32,
  vocab_size: 24,
  min_len: 3,
  max_len: 8,
  seed: 1,
};

test("the tiny replay: keyed seeding bit-identical, returnn seeding different from step 0 with the cause named", async () => {
  const out = join(dir, "replay");
  const args = ["scripts/original-report.mjs", "--quick", "--seeds", "1", "--variants", "zero-simplified"];
  const sets = [
    "--set",
    "num_epochs=1",
    "--set",
    `train=${JSON.stringify(TINY_TRAIN)}`,
    "--set",
    "dev.num_seqs=8",
  ];
  await new Promise<void>((done, fail) =>
    execFile(process.execPath, [...args, ...sets, "--out", out], (err, _stdout, stderr) =>
      err ? fail(new Error(stderr)) : done(),
    ),
  );
  const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
  const row = (seeding: string) => report.rows.find((r: { seeding: string }) => r.seeding === seeding);
  assert.equal(row("keyed").status, "identical");
  assert.equal(row("keyed").first_step, null);
  assert.ok(row("keyed").steps_compared > 0);
  assert.equal(row("keyed").dev_score_equal, true);
  assert.equal(row("returnn").status, "different");
  assert.deepEqual(row("returnn").first_step, { global_step: 0, kind: "init" });
  assert.match(
    row("returnn").cause,
    /^under returnn seeding, adding layer output\/dec_01_weight_loss before /,
  );
  assert.match(
    readFileSync(join(out, "report.md"), "utf8"),
    /\| keyed \| 1 \| zero-simplified \| identical \|/,
  );
});

type Layers = Record<string, Record<string, unknown>>;
const variants = JSON.parse(readFileSync("examples/original-report/spec.json", "utf8")).variants;

/** A config module applying one variant to `base`, as the script writes it. */
function variantModule(base: string, name: string): string {
  const lib = pathToFileURL(resolve("examples/original-report/variants.mjs")).href;
  const file = join(dir, `${name}-${base.replace(/\W/g, "_")}.ts`);
  writeFileSync(
    file,
    `import { variantConfig } from ${JSON.stringify(lib)};\nexport default await variantConfig(${JSON.stringify(resolve(base))}, ${JSON.stringify(variants[name])});\n`,
  );
  return file;
}

test("the variants build on the synthetic base and on the Multi30k base", async () => {
  const vocab = join(dir, "bpe.json");
  saveBpe(learnBpe(["a small dog runs", "ein kleiner hund rennt", "two dogs play"], 20), vocab);
  process.env.MULTI30K_VOCAB = vocab;
  const cases = [
    ["examples/transformer-base.json", "zero-pretrain"],
    ["examples/multi30k-transformer.ts", "zero-att-per-head"],
  ];
  for (const [base, name] of cases) {
    const { config } = await loadConfig(variantModule(base, name));
    checkTopLevelKeys(config, name);
    const net = buildNetwork(config, name);
    const unit = ((config.network as Layers).output as { unit: Layers }).unit;
    if (name === "zero-att-per-head") {
      assert.ok(net.params.has("output/dec_01_att_query0/W"), base);
      assert.equal(unit.dec_01_att_head3_loss?.position, 3, base);
    } else assert.equal(typeof (config.pretrain as Layers).construction_algo, "function");
  }
});
