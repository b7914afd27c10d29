/**
 * The reproducibility contract, end to end: no-op changes to the reference
 * Transformer leave the trained parameters bitwise identical.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { type Config, networkOf, referenceConfig, trainedFingerprint, unitOf } from "../helpers/contract.js";

let base: string;
before(async () => {
  base = await trainedFingerprint(referenceConfig());
});

test("the zero-eval variant (0.0 * reduce_sum on attention weights) trains to the base fingerprint", async () => {
  assert.equal(await trainedFingerprint(referenceConfig("transformer-zero-eval")), base);
});

test("the zero-copy variant (loss_scale 0 on attention weights) trains to the base fingerprint", async () => {
  assert.equal(await trainedFingerprint(referenceConfig("transformer-zero-copy")), base);
});

test("an unused layer changes nothing", async () => {
  const c = referenceConfig();
  networkOf(c).unused_proj = { class: "linear", from: "encoder", n_out: 7 };
  assert.equal(await trainedFingerprint(c), base);
});

test("layers whose names sort first change no other parameter", async () => {
  const c = referenceConfig();
  networkOf(c).aaa_first = { class: "linear", from: "data:data", n_out: 5, is_output_layer: true };
  unitOf(c).aaa_first_in_unit = { class: "copy", from: "dec_01_att_weights", loss: "as_is", loss_scale: 0 };
  assert.equal(await trainedFingerprint(c, /^aaa_first\//), base);
});

test("a zero-scaled auxiliary loss with its own parameters changes no shared parameter", async () => {
  const c = referenceConfig();
  unitOf(c).aux_proj = {
    class: "linear",
    from: "dec_01_att_att",
    n_out: 24,
    loss: "ce",
    target: "classes",
    loss_scale: 0,
  };
  assert.equal(await trainedFingerprint(c, /aux_proj/), base);
});

test("a zero-scaled loss whose value is NaN changes nothing", async () => {
  const c = referenceConfig();
  unitOf(c).nan_loss = {
    class: "eval",
    from: "dec_02_att_weights",
    eval: "log(-1.0 - abs(source(0)))",
    loss: "as_is",
    loss_scale: 0,
  };
  assert.equal(await trainedFingerprint(c), base);
});

test("the classic failure: 0.0 * entropy of masked attention weights trains finitely to the base fingerprint", async () => {
  const c = referenceConfig();
  // p·log p is NaN where p = 0 (beyond the encoder length); multiplied by the constant 0 it is never differentiated.
  unitOf(c).att_entropy = {
    class: "eval",
    from: "dec_01_att_weights",
    eval: "0.0 * reduce_sum(-source(0) * tf.math.log(source(0)))",
    loss: "as_is",
  };
  assert.equal(await trainedFingerprint(c), base);
});

test("a real change is detected: a different seed gives a different fingerprint", async () => {
  const c: Config = { ...referenceConfig(), random_seed: 8 };
  assert.notEqual(await trainedFingerprint(c), base);
});

test("the same network written as a RETURNN Python config trains to the same fingerprint", async () => {
  const { loadConfig } = await import("../../src/config/index.js");
  const loaded = await loadConfig("examples/transformer-base.config");
  assert.equal(loaded.format, "python");
  const c = loaded.config;
  (c.train as Config).num_seqs = 96;
  (c.dev as Config).num_seqs = 16;
  assert.equal(await trainedFingerprint(c), base);
});
