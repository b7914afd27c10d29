/**
 * hashBlocks: the native kernel gives the JS reference's digests bit for bit,
 * for any thread count, at block boundaries and tails; and each digest sees
 * every word, its position and the length.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { HASH_BLOCK, hashBlocks } from "../../src/kernels/js/hash.js";
import { nativeKernels } from "../../src/kernels/native/index.js";
import { testRandom } from "../helpers/gradcheck.js";

const nk = nativeKernels();

function words(n: number, seed: number): Uint32Array {
  const r = testRandom(seed);
  return Uint32Array.from({ length: n }, () => Math.floor(r() * 2 ** 32));
}

const digests = (w: Uint32Array, f = hashBlocks) => {
  const out = new Uint32Array(2 * Math.ceil(w.length / HASH_BLOCK));
  f(w, out);
  return [...out];
};

const SIZES = [0, 1, 7, 8, 9, 33, HASH_BLOCK - 1, HASH_BLOCK, HASH_BLOCK + 1, 3 * HASH_BLOCK + 5];

test("native hashBlocks equals the JS reference for 1, 2 and 3 threads", {
  skip: nk === null && "native addon not built",
}, () => {
  const before = nk!.threads();
  try {
    for (const n of SIZES) {
      const w = words(n, n + 1);
      const want = digests(w);
      for (const t of [1, 2, 3]) {
        nk!.setThreads(t);
        assert.deepEqual(
          digests(w, (x, o) => nk!.hashBlocks(x, o)),
          want,
          `n=${n}, threads=${t}`,
        );
      }
    }
  } finally {
    nk!.setThreads(before);
  }
});

test("a digest changes with any one bit, with the order of two words and with the length", () => {
  const w = words(HASH_BLOCK + 10, 3);
  const base = digests(w);
  for (const [i, bit] of [
    [0, 0],
    [17, 31],
    [HASH_BLOCK + 9, 5],
  ]) {
    const v = w.slice();
    v[i] ^= 1 << bit;
    assert.notDeepEqual(digests(v), base, `word ${i} bit ${bit}`);
  }
  const swapped = w.slice();
  [swapped[0], swapped[8]] = [swapped[8], swapped[0]]; // same lane, different place
  assert.notDeepEqual(digests(swapped), base);
  const zeros = digests(new Uint32Array(16));
  assert.notDeepEqual(digests(new Uint32Array(17)).slice(0, 2), zeros);
});

test("hashBlocks rejects an output of the wrong size", () => {
  assert.throws(() => hashBlocks(new Uint32Array(3), new Uint32Array(4)), RangeError);
});
