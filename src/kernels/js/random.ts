/** The random-bits kernel: the keyed RNG's own Philox4x32-10 generator (src/rng/philox.ts). */
import { philoxWords } from "../../rng/philox.js";

export function philoxWordsKernel(
  k0: number,
  k1: number,
  word2: number,
  word3: number,
  first: number,
  out: Uint32Array,
): void {
  philoxWords(k0, k1, word2, word3, first, out, 0, out.length);
}

const CHUNK = 4096;
const words = new Uint32Array(CHUNK);

/** Dropout keep-mask multipliers: u ≥ rate ? 1/(1 − rate) : 0 with u = (word >>> 8)·2^-24. */
export function dropoutMaskKernel(
  k0: number,
  k1: number,
  word2: number,
  word3: number,
  first: number,
  rate: number,
  out: Float32Array,
): void {
  const scale = 1 / (1 - rate);
  for (let done = 0; done < out.length; done += CHUNK) {
    const m = Math.min(CHUNK, out.length - done);
    philoxWords(k0, k1, word2, word3, first + done, words, 0, m);
    for (let j = 0; j < m; j++) out[done + j] = (words[j] >>> 8) * 2 ** -24 >= rate ? scale : 0;
  }
}
