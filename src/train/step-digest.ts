/**
 * Per-step fingerprints (`fingerprint_every_n_steps`): three cheap 64-bit
 * digests per training step, written to train.jsonl, that let `repronet diff`
 * name the first step at which two runs part and what parted first:
 *
 * - `init` (global step 0 only): the initial parameters;
 * - `batch`: the batch's data (every extern key in name order: its lengths and values);
 * - `grads`: this batch's gradients, per trainable parameter in name order;
 * - `params`: the parameters after the step's update (all, in name order).
 *
 * Within a step they happen in that order (initial parameters → batch → gradients → update), so
 * the first of them that differs says where the difference entered.
 *
 * Each digest is 64 bits (16 hex digits) over the raw 32-bit words of the
 * data — a float's bits, never its value, so +0/-0 and NaN payloads count:
 * the `hashBlocks` kernel digests fixed blocks of words (native: in parallel,
 * bit-identical to the JS reference for any thread count), and the block
 * digests are folded in order with MurmurHash3's 32-bit body in two lanes.
 * A change detector, not a cryptographic hash (`repronet fingerprint` is SHA-256).
 */
import { kernels } from "../kernels/active.js";
import { fmix32, HASH_BLOCK } from "../kernels/js/hash.js";
import type { Param } from "../network/params.js";
import type { Batch } from "../network/types.js";
import type { Tensor } from "../tensor/tensor.js";

export type { StepFingerprint } from "../rundir/index.js";

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** A 64-bit digest of a sequence of word arrays: each array's block digests (the `hashBlocks` kernel) and length, folded in order. */
export class Hash64 {
  private h1 = 0x9747b28c;
  private h2 = 0x2f8a0f5d;
  private length = 0;

  /** Adds the raw 32-bit words of a typed array (float32 bits as they are). */
  words(data: Float32Array | Int32Array | Uint32Array): this {
    const w = new Uint32Array(data.buffer, data.byteOffset, data.length);
    const blocks = new Uint32Array(2 * Math.ceil(w.length / HASH_BLOCK));
    kernels().hashBlocks(w, blocks);
    this.fold(blocks);
    this.fold(Uint32Array.of(w.length));
    return this;
  }

  /** Adds a string's UTF-16 code units (names, so a renamed parameter changes the digest). */
  text(s: string): this {
    const w = new Uint32Array(s.length);
    for (let i = 0; i < s.length; i++) w[i] = s.charCodeAt(i);
    return this.words(w);
  }

  /** 16 lowercase hex digits. */
  hex(): string {
    const lanes = [fmix32(this.h1 ^ this.length), fmix32(this.h2 ^ Math.imul(this.length, 3))];
    return lanes.map((h) => h.toString(16).padStart(8, "0")).join("");
  }

  /** MurmurHash3's 32-bit body in two lanes over a few words (block digests, lengths). */
  private fold(w: Uint32Array): void {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < w.length; i++) {
      let k = Math.imul(w[i], C1);
      k = Math.imul((k << 15) | (k >>> 17), C2);
      h1 ^= k;
      h1 = (Math.imul((h1 << 13) | (h1 >>> 19), 5) + 0xe6546b64) | 0;
      h2 ^= Math.imul(k ^ (k >>> 16), 0x85ebca6b);
      h2 = (Math.imul((h2 << 17) | (h2 >>> 15), 9) + 0x38495ab5) | 0;
    }
    this.h1 = h1;
    this.h2 = h2;
    this.length += w.length;
  }
}

/** The batch's data keys in name order: name, lengths, values. */
export function digestBatch(batch: Batch): string {
  const h = new Hash64();
  for (const key of Object.keys(batch.data).sort()) {
    const { value, lengths } = batch.data[key];
    h.text(key)
      .words(lengths)
      .words(value.data as Float32Array | Int32Array);
  }
  return h.hex();
}

/** Named tensors in the given order (callers pass the one parameter order); null gradients count as absent. */
export function digestNamed(names: readonly string[], values: readonly (Tensor | null)[]): string {
  const h = new Hash64();
  names.forEach((name, i) => {
    h.text(name);
    const v = values[i];
    if (v) h.words(v.f32);
  });
  return h.hex();
}

/** The parameters' values, in the store's name order. */
export const digestParams = (params: readonly Param[]): string =>
  digestNamed(
    params.map((p) => p.name),
    params.map((p) => p.value),
  );
