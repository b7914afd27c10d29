/**
 * The pinned keyed-RNG constants against scripts/reference/keyed_rng.py, an
 * independent Python implementation written from the definitions (Philox4x32-10
 * from Salmon et al. / Random123, checked there against the known-answer
 * vectors; SHA-256 key derivation; the uniform, glorot_uniform and synthetic-data
 * formulas; normal and truncated normal, whose log/cos/sin come from the C
 * library there and from V8 here).
 * Skipped when python3 is not installed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { glorotUniform } from "../../src/rng/initializers.js";
import { deriveKey, KeyedStream } from "../../src/rng/keyed.js";
import { GLOROT_QUERY0_2x3, SYNTHETIC_SEED1_FIRST3 } from "../helpers/rng-reference.js";

const py = spawnSync("python3", ["scripts/reference/keyed_rng.py"], { encoding: "utf8" });
const skip = py.error ? "python3 not available" : false;

test("the Python reference recomputes the pinned key, words, uniforms and glorot_uniform values", {
  skip,
}, () => {
  assert.equal(py.status, 0, py.stderr);
  const ref = JSON.parse(py.stdout) as Record<string, number[]>;
  // The constants pinned in keyed.test.ts and linear.test.ts...
  assert.deepEqual(ref.key_7_output_W, [0xeb272f25, 0x2c5099c1]);
  assert.deepEqual(ref.uint32_7_output_W_4, [0xcec530b1, 0xe28dbaca, 0x2089f510, 0x12426982]);
  assert.deepEqual(ref.uint32_7_output_W_sub3_2, [0xf975eeac, 0x9c6e5b45]);
  assert.deepEqual(ref.glorot_7_output_dec_01_att_query0_W_2x3, GLOROT_QUERY0_2x3);
  assert.deepEqual(ref.synthetic_seed1_v24_len3to10_first3, SYNTHETIC_SEED1_FIRST3);
  // ...and the implementation itself.
  const s = new KeyedStream(7, "output/W");
  assert.deepEqual(deriveKey(7, "output/W"), ref.key_7_output_W);
  assert.deepEqual(Array.from(s.uint32(4)), ref.uint32_7_output_W_4);
  assert.deepEqual(Array.from(s.uniform(4)), ref.uniform_7_output_W_4);
  assert.deepEqual(Array.from(s.uint32(3, 2 ** 34 + 1)), ref.uint32_7_output_W_at_2e34);
  const name = "output/dec_01_att_query0/W";
  assert.deepEqual(
    Array.from(glorotUniform()(new KeyedStream(7, name), [2, 3])),
    ref.glorot_7_output_dec_01_att_query0_W_2x3,
  );
});

test("the Python reference recomputes normal() and truncatedNormal() bit for bit (its libm against V8's)", {
  skip,
}, () => {
  assert.equal(py.status, 0, py.stderr);
  const ref = JSON.parse(py.stdout) as Record<string, number[]>;
  const s = new KeyedStream(7, "output/W");
  assert.deepEqual(Array.from(s.normal(64, 1, 2)), ref.normal_7_output_W_64_mean1_std2);
  const truncated = ref.truncated_normal_7_output_W_64;
  // The pinned redraws of elements 32 and 39 (keyed.test.ts) are among them.
  assert.deepEqual([truncated[32], truncated[39]], [-0.48982396721839905, -0.9116944670677185]);
  assert.deepEqual(Array.from(s.truncatedNormal(64)), truncated);
});
