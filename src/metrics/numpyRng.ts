/**
 * numpy's `np.random.default_rng(seed)` bit for bit (SeedSequence → PCG64
 * XSL-RR 128/64), with the two draws sacreBLEU's significance tests use:
 * `choice(n, size=(R, C), replace=True)` and `integers(2, size=(R, C), dtype=bool)`.
 * Checked against numpy 1.24 and 2.4 by the vectors.
 */

const M32 = 0xffffffffn;
const M64 = (1n << 64n) - 1n;
const M128 = (1n << 128n) - 1n;

const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_L = 0xca01f9dd;
const MIX_R = 0x4973f715;
const POOL_SIZE = 4;

/** The PCG64 default multiplier. */
const PCG_MULT = (2549297995355413924n << 64n) | 4865540595714422341n;

/** u32 multiplication modulo 2^32. */
function mul32(a: number, b: number): number {
  return Math.imul(a, b) >>> 0;
}

/** The seed as little-endian 32-bit words, without trailing zero words (`[0]` for 0). */
export function seedWords(seed: bigint): number[] {
  if (seed < 0n) throw new RangeError("numpy seeds must be non-negative");
  const words: number[] = [];
  let s = seed;
  do {
    words.push(Number(s & M32));
    s >>= 32n;
  } while (s > 0n);
  return words;
}

/** `SeedSequence(seed).generate_state(4, np.uint64)`. */
export function seedSequenceState(seed: bigint): bigint[] {
  const entropy = seedWords(seed);
  let h = INIT_A;
  const hashmix = (v: number): number => {
    v = (v ^ h) >>> 0;
    h = mul32(h, MULT_A);
    v = mul32(v, h);
    return (v ^ (v >>> 16)) >>> 0;
  };
  const mix = (x: number, y: number): number => {
    const r = (mul32(MIX_L, x) - mul32(MIX_R, y)) >>> 0;
    return (r ^ (r >>> 16)) >>> 0;
  };
  const pool: number[] = [];
  for (let i = 0; i < POOL_SIZE; i++) pool.push(hashmix(i < entropy.length ? entropy[i] : 0));
  for (let src = 0; src < POOL_SIZE; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) {
      if (src !== dst) pool[dst] = mix(pool[dst], hashmix(pool[src]));
    }
  }
  for (let src = POOL_SIZE; src < entropy.length; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst], hashmix(entropy[src]));
  }
  let g = INIT_B;
  const words: number[] = [];
  for (let k = 0; k < 8; k++) {
    let v = (pool[k % POOL_SIZE] ^ g) >>> 0;
    g = mul32(g, MULT_B);
    v = mul32(v, g);
    words.push((v ^ (v >>> 16)) >>> 0);
  }
  const out: bigint[] = [];
  for (let j = 0; j < 4; j++) out.push(BigInt(words[2 * j]) | (BigInt(words[2 * j + 1]) << 32n));
  return out;
}

/** numpy's `Generator(PCG64(SeedSequence(seed)))` with the draws sacreBLEU needs. */
export class NumpyGenerator {
  private state: bigint;
  private readonly inc: bigint;
  private spare: number | null = null;

  constructor(seed: bigint) {
    const [s0, s1, s2, s3] = seedSequenceState(seed);
    const initState = (s0 << 64n) | s1;
    const initSeq = (s2 << 64n) | s3;
    this.inc = ((initSeq << 1n) | 1n) & M128;
    this.state = 0n;
    this.state = (this.state * PCG_MULT + this.inc) & M128;
    this.state = (this.state + initState) & M128;
    this.state = (this.state * PCG_MULT + this.inc) & M128;
  }

  /** The raw u128 state and increment (for checks against numpy's `bit_generator.state`). */
  get rawState(): { state: bigint; inc: bigint } {
    return { state: this.state, inc: this.inc };
  }

  /** One 64-bit output (XSL-RR), as a bigint. */
  next64(): bigint {
    this.state = (this.state * PCG_MULT + this.inc) & M128;
    const x = ((this.state >> 64n) ^ this.state) & M64;
    const rot = this.state >> 122n;
    return ((x >> rot) | (x << ((64n - rot) & 63n))) & M64;
  }

  /** One 32-bit output: the low half of a 64-bit draw, then its high half. */
  next32(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const v = this.next64();
    this.spare = Number(v >> 32n);
    return Number(v & M32);
  }

  /** `integers(0, n)` for 1 <= n < 2^32: Lemire's bounded method on 32-bit draws. */
  bounded(n: number): number {
    if (n === 1) return 0;
    // m = next32 * n needs up to 64 bits: split the product into high and low 32-bit parts.
    let [hi, lo] = mulWide(this.next32(), n);
    if (lo < n) {
      const t = (0x100000000 - n) % n;
      while (lo < t) [hi, lo] = mulWide(this.next32(), n);
    }
    return hi;
  }

  /** `choice(n, size=(rows, cols), replace=True)`, row-major. */
  choice(n: number, rows: number, cols: number): Uint32Array[] {
    if (!Number.isInteger(n) || n < 1 || n >= 2 ** 32)
      throw new RangeError(`choice needs 1 <= n < 2^32, got ${n}`);
    const out: Uint32Array[] = [];
    for (let r = 0; r < rows; r++) {
      const row = new Uint32Array(cols);
      for (let c = 0; c < cols; c++) row[c] = this.bounded(n);
      out.push(row);
    }
    return out;
  }

  /** `integers(2, size=(rows, cols), dtype=bool)`, row-major: 32 entries per 32-bit draw, LSB first. */
  boolMask(rows: number, cols: number): Uint8Array[] {
    let buf = 0;
    let count = 0;
    const out: Uint8Array[] = [];
    for (let r = 0; r < rows; r++) {
      const row = new Uint8Array(cols);
      for (let c = 0; c < cols; c++) {
        if (count === 0) {
          buf = this.next32();
          count = 31;
        } else {
          buf >>>= 1;
          count--;
        }
        row[c] = buf & 1;
      }
      out.push(row);
    }
    return out;
  }
}

/** `[floor(a*b / 2^32), (a*b) mod 2^32]` for u32 `a` and `b`. */
function mulWide(a: number, b: number): [number, number] {
  const aHi = a >>> 16;
  const aLo = a & 0xffff;
  const bHi = b >>> 16;
  const bLo = b & 0xffff;
  const ll = aLo * bLo;
  const mid = aHi * bLo + aLo * bHi; // < 2^33, exact
  const hh = aHi * bHi;
  const low = ll + (mid % 0x10000) * 0x10000; // < 2^33, exact
  const lo = low % 0x100000000;
  const hi = hh + Math.floor(mid / 0x10000) + Math.floor(low / 0x100000000);
  return [hi, lo];
}
