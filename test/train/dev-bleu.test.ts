import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildNetwork } from "../../src/network/network.js";
import { train } from "../../src/train/trainer.js";
import { ReproError } from "../../src/util/errors.js";
import { referenceConfig } from "../helpers/contract.js";

async function run(extra: Record<string, unknown>) {
  const out = mkdtempSync(join(tmpdir(), "repronet-devbleu-"));
  const lines: string[] = [];
  try {
    const config = { ...referenceConfig(), ...extra };
    await train({ config, configFile: "c.json", outDir: out, buildNetwork, log: (l) => lines.push(l) });
    return { lines, history: JSON.parse(readFileSync(join(out, "learning_rates.json"), "utf8")) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

test("dev_bleu_every_n_epochs searches the dev set and records dev_bleu and dev_error_bleu", async () => {
  const { lines, history } = await run({ dev_bleu_every_n_epochs: 1 });
  assert.ok(lines.some((l) => /^epoch 1 dev: bleu \d+\.\d\d \(16 sentences/.test(l)));
  const text = JSON.stringify(history);
  const bleu = Number(/"dev_bleu":\s*([\d.e+-]+)/.exec(text)?.[1]);
  const error = Number(/"dev_error_bleu":\s*([\d.e+-]+)/.exec(text)?.[1]);
  assert.ok(bleu >= 0 && bleu <= 100);
  assert.ok(Math.abs(bleu + error - 100) < 1e-9);
});

test("dev BLEU can be the learning-rate control's error measure", async () => {
  const { lines } = await run({
    dev_bleu_every_n_epochs: 1,
    learning_rate_control_error_measure: "dev_error_bleu",
  });
  assert.ok(lines.some((l) => l.includes("error measure dev_error_bleu")));
});

test("dev BLEU needs a dev set", async () => {
  await assert.rejects(
    run({ dev_bleu_every_n_epochs: 1, dev: null }),
    (e: unknown) => e instanceof ReproError && /needs a "dev" dataset/.test(e.message),
  );
});
