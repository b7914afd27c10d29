import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from "../../src/io/safetensors.js";
import { CHECKSUM_KEY, encodeWithChecksum, verifyChecksum } from "../../src/rundir/checksum.js";

const tensors: Record<string, NamedTensor> = {
  b: { dtype: "F32", shape: [2], data: Float32Array.of(1, 2) },
  a: { dtype: "I32", shape: [3], data: Int32Array.of(7, 8, 9) },
};

test("the checksum covers the data region and verifies; the file stays valid safetensors", () => {
  const bytes = encodeWithChecksum(tensors, { format: "x" });
  const { metadata } = decodeSafetensors(bytes, "f");
  assert.match(metadata[CHECKSUM_KEY], /^[0-9a-f]{64}$/);
  assert.equal(metadata.format, "x");
  assert.equal(verifyChecksum(bytes, metadata, "f"), true);
});

test("any changed data byte fails verification, naming the file", () => {
  const bytes = encodeWithChecksum(tensors, {});
  const { metadata } = decodeSafetensors(bytes, "f");
  for (let i = 1; i <= 20; i++) {
    const bad = bytes.slice();
    bad[bad.length - i] ^= 0x80;
    assert.throws(
      () => verifyChecksum(bad, metadata, "f.safetensors"),
      /^ReproError: f\.safetensors: corrupt/,
    );
  }
});

test("a file without a checksum is reported as unverified, not as corrupt", () => {
  const bytes = encodeSafetensors(tensors, { format: "x" });
  assert.equal(verifyChecksum(bytes, decodeSafetensors(bytes, "f").metadata, "f"), false);
});
