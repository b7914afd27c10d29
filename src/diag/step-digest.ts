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
 * The hash is MurmurHash3's 32-bit mixing in two independent lanes (a 64-bit
 * digest, 16 hex digits) over the raw 32-bit words of the data: a float's bits,
 * never its value, so +0/-0 and NaN payloads count. It runs in one JS loop in
 * one fixed order, so it depends on nothing but the words. It is a change
 * detector, not a cryptographic hash (see `repronet fingerprint` for SHA-256).
 */
import type { Param } from "../network/params.js";
import type { Batch } from "../network/types.js";
import type { Tensor } from "../tensor/tensor.js";

export interface StepFingerprint {
  /** Global step 0 only: the initial parameters. */
  init?: string;
  batch: string;
  grads: string;
  params: string;
}

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** Two 32-bit MurmurHash3 lanes over a sequence of 32-bit words. */
export class Hash64 {
  private h1 = 0x9747b28c;
  private h2 = 0x2f8a0f5d;
  private length = 0;

  /** Adds the raw 32-bit words of a typed array (float32 bits as they are). */
  words(data: Float32Array | Int32Array | Uint32Array): this {
    const w = new Uint32Array(data.buffer, data.byteOffset, data.length);
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
    return this;
  }

  /** Adds a string's UTF-16 code units (names, so a renamed parameter changes the digest). */
  text(s: string): this {
    const w = new Uint32Array(s.length + 1);
    for (let i = 0; i < s.length; i++) w[i] = s.charCodeAt(i);
    w[s.length] = 0xffffffff; // terminator: "ab"+"c" ≠ "a"+"bc"
    return this.words(w);
  }

  /** 16 lowercase hex digits. */
  hex(): string {
    const lanes = [fmix(this.h1 ^ this.length), fmix(this.h2 ^ Math.imul(this.length, 3))];
    return lanes.map((h) => (h >>> 0).toString(16).padStart(8, "0")).join("");
  }
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
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
