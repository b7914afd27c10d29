/**
 * Contract point 6 on the reference Transformer: with auxiliary losses whose
 * names sort first (one zero-scaled, one in the objective), the learning-rate
 * control reads the main output's dev score, and the manifest says so.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { buildNetwork } from "../../src/network/network.js";
import { train } from "../../src/train/trainer.js";
import { type Config, networkOf, referenceConfig, unitOf } from "../helpers/contract.js";

const work = mkdtempSync(join(tmpdir(), "repronet-engine-measure-"));
after(() => rmSync(work, { recursive: true, force: true }));

function withAuxLosses(over: Config = {}): Config {
  const c: Config = { ...referenceConfig(), num_epochs: 1, ...over };
  (c.train as Config).num_seqs = 32;
  (c.dev as Config).num_seqs = 8;
  // "output_att_aux" sorts before "output_prob", "aaa_aux" before "output".
  unitOf(c).output_att_aux = { class: "copy", from: "dec_01_att_weights", loss: "as_is", loss_scale: 0 };
  networkOf(c).aaa_aux = { class: "softmax", from: "encoder", loss: "ce", target: "data", loss_scale: 0.1 };
  return c;
}

async function errorMeasure(name: string, config: Config) {
  const out = join(work, name);
  await train({ config, configFile: "aux.json", outDir: out, buildNetwork, log: () => {} });
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
  const lrs = JSON.parse(readFileSync(join(out, "learning_rates.json"), "utf8"));
  assert.equal(lrs.errorKey, manifest.learning_rate_control.error_measure);
  assert.ok(lrs.errorKey in lrs.epochs["1"].scores, `${lrs.errorKey} is recorded`);
  return manifest.learning_rate_control;
}

test("the default error measure is the main output's dev score, whatever the auxiliary losses are called", async () => {
  assert.deepEqual(await errorMeasure("default", withAuxLosses()), {
    error_measure: "dev_score_output/output_prob",
    reason: "main output loss output/output_prob",
  });
});

test("RETURNN's first-match rule, on request, would have taken the zero-scaled auxiliary loss", async () => {
  const got = await errorMeasure(
    "returnn",
    withAuxLosses({ learning_rate_control_error_measure_rule: "returnn" }),
  );
  assert.equal(got.error_measure, "dev_score_output/output_att_aux");
});
