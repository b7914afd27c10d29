import assert from "node:assert/strict";
import { test } from "node:test";
import { NumpyGenerator, seedSequenceState, seedWords } from "../../src/metrics/numpyRng.js";

test("seeds are split into little-endian 32-bit words", () => {
  assert.deepEqual(seedWords(0n), [0]);
  assert.deepEqual(seedWords(12345n), [12345]);
  assert.deepEqual(seedWords(2n ** 32n + 5n), [5, 1]);
});

test("SeedSequence state for seed 12345 matches numpy", () => {
  assert.deepEqual(seedSequenceState(12345n).map(String), [
    "13091511679009522556",
    "13538552136045918767",
    "7269824232120749972",
    "4520223790601600371",
  ]);
});

test("raw 64-bit outputs match numpy for seed 0 and for a seed above 2^128", () => {
  const g = new NumpyGenerator(0n);
  assert.deepEqual([g.next64(), g.next64()], [11749869230777074271n, 4976686463289251617n]);
  assert.equal(new NumpyGenerator(2n ** 128n + 5n).next64(), 4669863800895648766n);
});

test("choice with a bound near 2^32 exercises Lemire's rejection like numpy", () => {
  const g = new NumpyGenerator(3000000000n);
  assert.deepEqual(
    Array.from(g.choice(3000000000, 1, 6)[0]),
    [1211082108, 1776752223, 1943464744, 1248278420, 2143049812, 2356710157],
  );
  assert.deepEqual(Array.from(g.choice(4294967295, 1, 3)[0]), [2150420105, 3409802196, 1986894846]);
});

test("choice from one element draws nothing", () => {
  const a = new NumpyGenerator(1n);
  const b = new NumpyGenerator(1n);
  assert.deepEqual(Array.from(a.choice(1, 1, 5)[0]), [0, 0, 0, 0, 0]);
  assert.equal(a.next64(), b.next64());
});

test("boolean masks use 32 bits per draw, least significant first", () => {
  const m = new NumpyGenerator(7n).boolMask(2, 40);
  assert.deepEqual(
    Array.from(m[0]),
    [
      1, 1, 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0,
      1, 0, 1, 0, 1,
    ],
  );
  assert.deepEqual(
    Array.from(m[1]),
    [
      1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0,
      1, 0, 1, 1, 0,
    ],
  );
});
