/**
 * `hashBlocks`: the bulk step of the per-step fingerprints (src/train/step-digest.ts).
 *
 * The words are cut into blocks of HASH_BLOCK words (the last may be
 * shorter); block b's two-word digest goes to out[2b], out[2b+1]. Within a
 * block, word i feeds lane i mod 8 (h ← rotl(h ^ w, 13) · 0x9e3779b1, mod
 * 2^32; lane j starts at 0x9747b28c + j · 0x85ebca6b); the lanes are then
 * folded with the block length (see `blockDigest`). Blocks are independent,
 * so the native kernel may hash them on any threads: the digests never
 * depend on the thread count. A change detector, not a cryptographic hash.
 */

/** Words per block (fixed: the digests must not depend on how the work is split). */
export const HASH_BLOCK = 1 << 16;
const LANES = 8;

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));

/** MurmurHash3's finaliser. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function blockDigest(w: Uint32Array, start: number, len: number, out: Uint32Array, at: number): void {
  const h = new Int32Array(LANES);
  for (let j = 0; j < LANES; j++) h[j] = 0x9747b28c + Math.imul(j, 0x85ebca6b);
  for (let i = 0; i < len; i++) {
    const j = i & (LANES - 1);
    h[j] = Math.imul(rotl(h[j] ^ w[start + i], 13), 0x9e3779b1);
  }
  let a = len;
  let b = ~len;
  for (let j = 0; j < LANES; j++) {
    a = (Math.imul(rotl(a ^ h[j], 13), 5) + 0xe6546b64) | 0;
    b = (Math.imul(rotl(b ^ Math.imul(h[j], 2 * j + 1), 17), 9) + 0x38495ab5) | 0;
  }
  out[at] = fmix32(a);
  out[at + 1] = fmix32(b ^ a);
}

/** out.length must be 2 · ceil(words.length / HASH_BLOCK). */
export function hashBlocks(words: Uint32Array, out: Uint32Array): void {
  const blocks = Math.ceil(words.length / HASH_BLOCK);
  if (out.length !== 2 * blocks)
    throw new RangeError(`hashBlocks: out needs ${2 * blocks} words, got ${out.length}`);
  for (let b = 0; b < blocks; b++) {
    const start = b * HASH_BLOCK;
    blockDigest(words, start, Math.min(HASH_BLOCK, words.length - start), out, 2 * b);
  }
}
