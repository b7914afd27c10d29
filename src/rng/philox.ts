/**
 * Philox4x32-10, the counter-based generator of Random123 (Salmon et al., SC'11).
 *
 * A counter-based generator is a keyed bijection of a 128-bit counter: the value
 * at any position is computed directly, with no state carried from the previous
 * draw. That is what makes every random number in repronet *addressed*
 * (by key and counter) rather than *sequential* (by how many draws came before).
 *
 * All arithmetic is exact on JS numbers: `Math.imul` gives the low 32 bits of a
 * 32x32 product, and `mulhi32` gives the high 32 bits by splitting one factor
 * into 16-bit halves so that every partial product stays below 2^53.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9; // golden ratio, bumps key word 0 between rounds
const W1 = 0xbb67ae85; // sqrt(3) - 1, bumps key word 1 between rounds
const ROUNDS = 10;
const TWO32 = 4294967296;

/** High 32 bits of the 64-bit product of two unsigned 32-bit integers, exactly. */
export function mulhi32(a: number, b: number): number {
  // a*b = a*bh*2^16 + a*bl with bh, bl < 2^16, so both partial products are < 2^48.
  // floor(a*b / 2^32) = floor((a*bh + floor(a*bl / 2^16)) / 2^16); ToUint32 (>>> 0)
  // truncates the non-negative quotients, and the final value is < 2^32.
  const bh = b >>> 16;
  const bl = b & 0xffff;
  const t = a * bh + (((a * bl) / 65536) >>> 0);
  return (t / 65536) >>> 0;
}

/**
 * One Philox4x32-10 block: encrypts counter (c0..c3) under key (k0, k1), all
 * unsigned 32-bit, and writes the four output words to out[at..at+3].
 */
export function philoxBlock(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
  at: number,
): void {
  for (let r = 0; r < ROUNDS; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi32(c0, M0);
    const lo0 = Math.imul(c0, M0) >>> 0;
    const hi1 = mulhi32(c2, M1);
    const lo1 = Math.imul(c2, M1) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[at] = c0;
  out[at + 1] = c1;
  out[at + 2] = c2;
  out[at + 3] = c3;
}

/** Random123's `philox4x32(ctr, key)`: out may be the same array as counter. */
export function philox4x32(counter: Uint32Array, key: Uint32Array, out: Uint32Array): void {
  philoxBlock(counter[0], counter[1], counter[2], counter[3], key[0], key[1], out, 0);
}

// Scratch for partial blocks; safe because JS runs one call at a time and
// philoxWords never calls out to user code.
const partial = new Uint32Array(4);

/**
 * Fills out[outOffset .. outOffset+count) with words first .. first+count-1 of
 * the stream (key, word2, word3). Word w is lane (w mod 4) of the block whose
 * counter is (block mod 2^32, floor(block / 2^32), word2, word3), block = floor(w/4);
 * so any range can be generated on its own and agrees with any other range
 * that overlaps it. Positions are JS integers, exact up to 2^53.
 */
export function philoxWords(
  k0: number,
  k1: number,
  word2: number,
  word3: number,
  first: number,
  out: Uint32Array,
  outOffset = 0,
  count = out.length - outOffset,
): void {
  if (!Number.isSafeInteger(first) || first < 0 || !Number.isSafeInteger(first + count)) {
    throw new RangeError(`philoxWords: position ${first}+${count} is outside 0..2^53`);
  }
  if (outOffset < 0 || count < 0 || outOffset + count > out.length) {
    throw new RangeError(`philoxWords: ${count} words at ${outOffset} do not fit in ${out.length}`);
  }
  let w = first;
  let i = outOffset;
  const end = outOffset + count;
  while (i < end) {
    const block = Math.floor(w / 4);
    const lane = w - block * 4;
    const lo = block >>> 0; // ToUint32 is exact mod 2^32 for integers below 2^53
    const hi = Math.floor(block / TWO32);
    if (lane === 0 && end - i >= 4) {
      philoxBlock(lo, hi, word2, word3, k0, k1, out, i);
      i += 4;
      w += 4;
    } else {
      philoxBlock(lo, hi, word2, word3, k0, k1, partial, 0);
      for (let j = lane; j < 4 && i < end; j++) {
        out[i++] = partial[j];
        w++;
      }
    }
  }
}
