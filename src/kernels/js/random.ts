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
