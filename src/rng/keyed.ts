import { createHash } from "node:crypto";
import { kernels } from "../kernels/active.js";
import { philoxBlock } from "./philox.js";

/**
 * Randomness addressed by name, not by order.
 *
 * A stream is named by (seed, name, subsequence). Element i of every
 * distribution below is a pure function of (seed, name, subsequence, i): it
 * does not depend on which other elements were drawn, in what order, or how
 * many. Parameter `output/W` therefore gets the same initial value whether it
 * is created first or last, and a dropout mask for (layer, step) can be made
 * for any slice of positions on its own.
 *
 * COMPATIBILITY PROMISE — changing any of this changes every model's initial
 * values and dropout masks, so it must not change silently (pinned by the
 * golden tests in test/rng/keyed.test.ts):
 *   key     = the first 8 bytes of SHA-256 over the UTF-8 bytes of
 *             "repronet/rng\0" + String(seed) + "\0" + name,
 *             read as two little-endian u32 (key word 0, key word 1).
 *   counter = (block index mod 2^32, floor(block index / 2^32), attempt, subsequence)
 *             where word w of the stream is lane w mod 4 of block floor(w / 4).
 *   attempt is 0 except for redraws in truncatedNormal (redraw k uses attempt k).
 *   uint32(i)  = word i.
 *   uniform(i) = (word i >>> 8) * 2^-24, in [0, 1) with 24 bits like float32.
 *   normal(2p), normal(2p+1) = Box–Muller in float64 on u1 = (word 2p + 1) * 2^-32 and
 *             u2 = (word 2p+1 + 1) * 2^-32, both in (0, 1]: r = sqrt(-2 ln u1),
 *             z = r cos(2 pi u2) for the even element, r sin(2 pi u2) for the odd one.
 *   Output = Math.fround(mean + std * z) (or lo + (hi - lo) * u), computed in float64.
 * Math.log/cos/sin come from implementations bundled in V8 (not the system
 * libm), so normals agree across platforms for a given Node version; should a
 * V8 upgrade change them, the golden normal test fails rather than drifting silently.
 */

const TWO_M24 = 2 ** -24;
const TWO_M32 = 2 ** -32;
const TWO_PI = 2 * Math.PI;
const CHUNK = 4096; // words generated per step into the scratch buffer (a multiple of 4)
// One scratch buffer for all streams, so that making a stream per (layer, step)
// allocates nothing big; safe because JS runs one call at a time and nothing
// here calls out to other code while the buffer is in use.
const scratch = new Uint32Array(CHUNK);
const MAX_ATTEMPTS = 1000; // rejection at 2 std has p ~ 0.0455; 1000 misses never happen

/** The two key words for (seed, name); see the compatibility promise above. */
export function deriveKey(seed: number, name: string): [number, number] {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`random seed must be an integer, got ${seed}`);
  const digest = createHash("sha256")
    .update(`repronet/rng\0${String(seed)}\0${name}`, "utf8")
    .digest();
  return [digest.readUInt32LE(0), digest.readUInt32LE(4)];
}

function checkRange(n: number, offset: number): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`count must be a non-negative integer, got ${n}`);
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(offset + n + 1)) {
    throw new RangeError(`offset must be a non-negative integer below 2^53, got ${offset}`);
  }
}

export class KeyedStream {
  readonly key0: number;
  readonly key1: number;

  constructor(
    readonly seed: number,
    readonly name: string,
    readonly subsequence = 0,
  ) {
    if (!Number.isInteger(subsequence) || subsequence < 0 || subsequence >= 2 ** 32) {
      throw new RangeError(`subsequence must be an integer in [0, 2^32), got ${subsequence}`);
    }
    [this.key0, this.key1] = deriveKey(seed, name);
  }

  /** Raw words offset .. offset+n-1. */
  uint32(n: number, offset = 0): Uint32Array {
    checkRange(n, offset);
    const out = new Uint32Array(n);
    kernels().philoxWords(this.key0, this.key1, 0, this.subsequence, offset, out);
    return out;
  }

  /** Uniform in [0, 1) with 24-bit resolution (every value exact in float32). */
  uniform(n: number, offset = 0): Float32Array {
    return this.uniformRange(n, 0, 1, offset);
  }

  /** lo + (hi - lo) * uniform(i). Rounding to float32 may give hi itself when |lo| >> hi - lo. */
  uniformRange(n: number, lo: number, hi: number, offset = 0): Float32Array {
    checkRange(n, offset);
    const out = new Float32Array(n);
    const span = hi - lo;
    for (let done = 0; done < n; done += CHUNK) {
      const m = Math.min(CHUNK, n - done);
      const w = this.words(offset + done, m, 0);
      for (let j = 0; j < m; j++) out[done + j] = lo + span * ((w[j] >>> 8) * TWO_M24);
    }
    return out;
  }

  /**
   * Dropout multipliers: uniform(i) ≥ rate ? 1/(1 − rate) : 0 as float32, element
   * for element what `dropout` (src/tensor/ops/nn.ts) makes of `uniform`, in one
   * kernel call (no uniform array in between).
   */
  dropoutMask(n: number, rate: number, offset = 0): Float32Array {
    const out = new Float32Array(n);
    this.dropoutMaskInto(out, rate, offset);
    return out;
  }

  /** `dropoutMask(out.length, rate, offset)` written into `out`. */
  dropoutMaskInto(out: Float32Array, rate: number, offset = 0): void {
    checkRange(out.length, offset);
    if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout rate must be in [0, 1), got ${rate}`);
    kernels().dropoutMask(this.key0, this.key1, 0, this.subsequence, offset, rate, out);
  }

  /** 1 where uniform(i) < keepProb, else 0: a dropout keep-mask. */
  bernoulliMask(n: number, keepProb: number, offset = 0): Uint8Array {
    checkRange(n, offset);
    if (!(keepProb >= 0 && keepProb <= 1))
      throw new RangeError(`keepProb must be in [0, 1], got ${keepProb}`);
    const out = new Uint8Array(n);
    for (let done = 0; done < n; done += CHUNK) {
      const m = Math.min(CHUNK, n - done);
      const w = this.words(offset + done, m, 0);
      for (let j = 0; j < m; j++) out[done + j] = (w[j] >>> 8) * TWO_M24 < keepProb ? 1 : 0;
    }
    return out;
  }

  /** Normal(mean, std) by Box–Muller with a fixed pairing (elements 2p and 2p+1 share words 2p, 2p+1). */
  normal(n: number, mean = 0, std = 1, offset = 0): Float32Array {
    checkRange(n, offset);
    const out = new Float32Array(n);
    this.normalsInto(out, offset, mean, std, null);
    return out;
  }

  /**
   * Normal(mean, std) truncated at 2 std, as TensorFlow's truncated_normal: a
   * standard draw z with |z| >= 2 is redrawn. Element i's k-th redraw is
   * element i of the normal stream with attempt (counter word 2) = k, so the
   * result still depends only on (seed, name, subsequence, i). Attempt 0 is
   * normal() itself. The std of the result is about 0.8796 * std.
   */
  truncatedNormal(n: number, mean = 0, std = 1, offset = 0): Float32Array {
    checkRange(n, offset);
    const out = new Float32Array(n);
    const rejected: number[] = [];
    this.normalsInto(out, offset, mean, std, rejected);
    for (const j of rejected) {
      let z = Number.POSITIVE_INFINITY;
      for (let attempt = 1; !(Math.abs(z) < 2); attempt++) {
        if (attempt >= MAX_ATTEMPTS)
          throw new Error(`truncatedNormal: no draw within 2 std for ${offset + j}`);
        z = this.standardNormalAt(offset + j, attempt);
      }
      out[j] = mean + std * z;
    }
    return out;
  }

  /** Fills the scratch buffer with words first .. first+count-1 (count <= CHUNK). */
  private words(first: number, count: number, attempt: number): Uint32Array {
    // The active kernels generate the words (the native ones are much faster; both are bit-identical).
    kernels().philoxWords(this.key0, this.key1, attempt, this.subsequence, first, scratch.subarray(0, count));
    return scratch;
  }

  /**
   * Writes mean + std * z for elements offset .. offset+out.length-1 at attempt 0.
   * With `rejected`, also records the local indices whose |z| >= 2.
   */
  private normalsInto(
    out: Float32Array,
    offset: number,
    mean: number,
    std: number,
    rejected: number[] | null,
  ): void {
    const end = offset + out.length;
    // Element i needs words 2*floor(i/2) and 2*floor(i/2)+1: generate whole pairs.
    const firstPair = Math.floor(offset / 2);
    const endPair = Math.ceil(end / 2);
    const pairsPerChunk = CHUNK / 2;
    for (let p0 = firstPair; p0 < endPair; p0 += pairsPerChunk) {
      const pairs = Math.min(pairsPerChunk, endPair - p0);
      const w = this.words(2 * p0, 2 * pairs, 0);
      for (let q = 0; q < pairs; q++) {
        const r = Math.sqrt(-2 * Math.log((w[2 * q] + 1) * TWO_M32));
        const theta = TWO_PI * ((w[2 * q + 1] + 1) * TWO_M32);
        const even = 2 * (p0 + q);
        if (even >= offset) this.put(out, even - offset, r * Math.cos(theta), mean, std, rejected);
        if (even + 1 < end) this.put(out, even + 1 - offset, r * Math.sin(theta), mean, std, rejected);
      }
    }
  }

  private put(
    out: Float32Array,
    j: number,
    z: number,
    mean: number,
    std: number,
    rej: number[] | null,
  ): void {
    out[j] = mean + std * z;
    if (rej !== null && !(Math.abs(z) < 2)) rej.push(j);
  }

  /** The standard normal z of element i at the given attempt, in float64. */
  private standardNormalAt(i: number, attempt: number): number {
    const pair = Math.floor(i / 2);
    const block = Math.floor(pair / 2);
    philoxBlock(
      block >>> 0,
      Math.floor(block / 2 ** 32),
      attempt,
      this.subsequence,
      this.key0,
      this.key1,
      scratch,
      0,
    );
    const lane = 2 * (pair - 2 * block);
    const r = Math.sqrt(-2 * Math.log((scratch[lane] + 1) * TWO_M32));
    const theta = TWO_PI * ((scratch[lane + 1] + 1) * TWO_M32);
    return i % 2 === 0 ? r * Math.cos(theta) : r * Math.sin(theta);
  }
}
