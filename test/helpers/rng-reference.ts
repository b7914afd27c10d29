/**
 * Keyed-RNG values computed by scripts/reference/keyed_rng.py from the
 * definitions (not from src/rng), pinned for tests; test/rng/reference.test.ts
 * recomputes them when python3 is available.
 */

/** glorot_uniform for [2, 3] under seed 7 and the name output/dec_01_att_query0/W. */
export const GLOROT_QUERY0_2x3 = [
  0.4285880923271179, -0.499421089887619, -0.962059497833252, 0.2651025354862213, -0.1306743323802948,
  -0.24251224100589752,
];

/** The first three source sequences of the synthetic dataset, seed 1, vocab 24, lengths 3..10. */
export const SYNTHETIC_SEED1_FIRST3: number[][] = [
  [11, 18, 18, 3, 13],
  [2, 22, 8, 20, 7, 21, 7, 21, 12],
  [4, 10, 10, 22, 5],
];
