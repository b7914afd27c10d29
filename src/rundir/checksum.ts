/**
 * Checksums of safetensors files: `__metadata__.tensors_sha256` holds the
 * lowercase hex SHA-256 of the file's data region (every tensor's bytes, in
 * the file's order), so a truncated, bit-flipped or spliced file is caught
 * however it is read. The header itself is not covered (it holds the
 * checksum); it is validated on every read instead (names, shapes and
 * offsets must cover the data exactly).
 */
import { createHash } from "node:crypto";
import { encodeSafetensors, type NamedTensor } from "../io/safetensors.js";
import { ReproError } from "../util/errors.js";

export const CHECKSUM_KEY = "tensors_sha256";
const PLACEHOLDER = "0".repeat(64);

/** Where the data region starts (after the 8-byte length and the header), or null when that is not readable. */
function dataStart(bytes: Uint8Array): number | null {
  if (bytes.length < 8) return null;
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return n > BigInt(bytes.length - 8) ? null : 8 + Number(n);
}

const HASH_CHUNK = 1 << 30; // node:crypto rejects a single update() of 2 GiB or more

/** Lowercase hex SHA-256 of `b`, fed in chunks so that buffers of any size hash. */
export function sha256Hex(b: Uint8Array): string {
  const h = createHash("sha256");
  for (let i = 0; i < b.length; i += HASH_CHUNK) h.update(b.subarray(i, i + HASH_CHUNK));
  return h.digest("hex");
}

/** Safetensors bytes whose metadata carries the checksum of their data region. */
export function encodeWithChecksum(
  tensors: Record<string, NamedTensor>,
  metadata: Record<string, string>,
): Uint8Array {
  const bytes = encodeSafetensors(tensors, { ...metadata, [CHECKSUM_KEY]: PLACEHOLDER });
  const start = dataStart(bytes)!;
  // The header holds the placeholder once, as this key's value: patch it in place (same length).
  const needle = Buffer.from(`"${CHECKSUM_KEY}":"${PLACEHOLDER}"`);
  const at = Buffer.from(bytes.buffer, bytes.byteOffset, start).indexOf(needle);
  const value = Buffer.from(sha256Hex(bytes.subarray(start)));
  bytes.set(value, at + needle.length - 1 - PLACEHOLDER.length);
  return bytes;
}

/**
 * Checks a file's data region against its metadata checksum. Returns false
 * when the file carries none (written before checksums existed); throws a
 * ReproError naming `source` when it does not match.
 */
export function verifyChecksum(bytes: Uint8Array, metadata: Record<string, string>, source: string): boolean {
  const want = metadata[CHECKSUM_KEY];
  if (want === undefined) return false;
  const start = dataStart(bytes);
  if (start === null || sha256Hex(bytes.subarray(start)) !== want)
    throw new ReproError(`${source}: corrupt (the tensor data does not match its checksum)`);
  return true;
}
