/**
 * A batch too large for memory is refused before training starts (and before
 * the run directory is made), naming the estimate, the limit and the options;
 * a batch that fits trains as before and the log says what it needs.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { assertFails, CONFIG, repronet, tiny, work } from "./harness.js";

const LIMIT = { REPRONET_MEMORY_LIMIT: "8000000000" };

test("a training batch beyond the memory limit is one error line naming the options, and no run dir", async () => {
  const out = join(work("memory"), "run");
  // Sequences of 10000–20000 tokens: one alone exceeds batch_size; its attention energies need tens of GB.
  const long =
    '{"class": "synthetic", "task": "reverse", "num_seqs": 4, "vocab_size": 24, "min_len": 10000, "max_len": 20000, "seed": 1}';
  const r = await repronet(["train", CONFIG, "--out", out, ...tiny(1), "--set", `train=${long}`], LIMIT);
  assertFails(
    r,
    /^error: examples\/transformer-base\.json: a training batch of up to 1 sequence × \d{5} frames \(batch_size 400, max_seqs 4, max_seq_length none\) needs about [\d.]+ GB \(parameters [\d.]+ MB, activations [\d.]+ GB, rest of the process [\d.]+ MB\), more than the 8\.0 GB of memory \(REPRONET_MEMORY_LIMIT\); lower batch_size, max_seqs or max_seq_length$/,
  );
  assert.equal(existsSync(out), false);
});

test("a batch that fits trains as before, and the log says what it needs", async () => {
  const out = join(work("memory"), "run");
  const r = await repronet(["train", CONFIG, "--out", out, ...tiny(1)], LIMIT);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^memory: a training batch of up to 4 sequences × \d+ frames \(batch_size 400, max_seqs 4, max_seq_length none\) needs parameters [\d.]+ MB, activations [\d.]+ MB, besides the process itself; the limit is 8\.0 GB \(REPRONET_MEMORY_LIMIT\)$/m,
  );
  assert.ok(existsSync(join(out, "checkpoints", "epoch.001.safetensors")));
});
