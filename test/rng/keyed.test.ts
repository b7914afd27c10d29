import assert from "node:assert/strict";
import { test } from "node:test";
import { deriveKey, KeyedStream } from "../../src/rng/keyed.js";

// These values were computed once with this implementation and are recomputed by
// an independent Python reference, scripts/reference/keyed_rng.py (hashlib + integer
// Philox checked against Random123's vectors), in test/rng/reference.test.ts. They pin the
// key derivation and the distribution formulas — the compatibility promise in
// src/rng/keyed.ts. If one of these tests fails, every model's initial values
// and dropout masks have changed: do not update the numbers unless that is the
// intent, and then say so in the changelog.
test("golden: the key of (7, 'output/W') is pinned (compatibility promise)", () => {
  assert.deepEqual(deriveKey(7, "output/W"), [0xeb272f25, 0x2c5099c1]);
});

test("golden: KeyedStream(7, 'output/W').uniform(4) is pinned (compatibility promise)", () => {
  const s = new KeyedStream(7, "output/W");
  assert.deepEqual(s.uint32(4), Uint32Array.of(0xcec530b1, 0xe28dbaca, 0x2089f510, 0x12426982));
  assert.deepEqual(
    Array.from(s.uniform(4)),
    [0.8076963424682617, 0.8849750757217407, 0.12710505723953247, 0.07132583856582642],
  );
});

test("golden: normal, truncatedNormal redraws and subsequences are pinned (compatibility promise)", () => {
  const s = new KeyedStream(7, "output/W");
  assert.deepEqual(Array.from(s.normal(2)), [0.4901735484600067, -0.43228229880332947]);
  // Elements 32 and 39 of normal() lie beyond 2 std; these are their attempt-1 redraws.
  assert.equal(s.normal(1, 0, 1, 32)[0], 2.1659810543060303);
  assert.equal(s.truncatedNormal(1, 0, 1, 32)[0], -0.48982396721839905);
  assert.equal(s.truncatedNormal(1, 0, 1, 39)[0], -0.9116944670677185);
  assert.deepEqual(new KeyedStream(7, "output/W", 3).uint32(2), Uint32Array.of(0xf975eeac, 0x9c6e5b45));
});

const N = 9000; // more than two internal chunks of 4096 words
const RANGES = [
  [0, 1],
  [1, 1],
  [3, 6],
  [5, 5],
  [4095, 3],
  [4090, 4200],
  [8191, 800],
];

type Draw = (s: KeyedStream, n: number, offset: number) => ArrayLike<number>;
const DRAWS: Record<string, Draw> = {
  uint32: (s, n, o) => s.uint32(n, o),
  uniform: (s, n, o) => s.uniform(n, o),
  uniformRange: (s, n, o) => s.uniformRange(n, -3, 5, o),
  normal: (s, n, o) => s.normal(n, 1, 2, o),
  truncatedNormal: (s, n, o) => s.truncatedNormal(n, 1, 2, o),
  bernoulliMask: (s, n, o) => s.bernoulliMask(n, 0.3, o),
};

for (const [kind, draw] of Object.entries(DRAWS)) {
  test(`${kind}: element i depends only on i, not on the range drawn`, () => {
    const s = new KeyedStream(42, "enc/lstm0/W_re", 5);
    const all = Array.from(draw(s, N, 0));
    for (const [off, n] of RANGES) {
      assert.deepEqual(Array.from(draw(s, n, off)), all.slice(off, off + n), `offset ${off} n ${n}`);
    }
    assert.deepEqual(Array.from(draw(new KeyedStream(42, "enc/lstm0/W_re", 5), N, 0)), all, "second stream");
  });
}

test("uniform(10) sliced at 5 equals uniform(5, offset 5)", () => {
  const s = new KeyedStream(1, "a");
  assert.deepEqual(s.uniform(10).subarray(5), s.uniform(5, 5));
});

test("positions far beyond 2^32 blocks are addressable", () => {
  const s = new KeyedStream(1, "a");
  const off = 2 ** 40 + 3;
  assert.deepEqual(s.normal(8, 0, 1, off).subarray(3), s.normal(5, 0, 1, off + 3));
});

test("different names, seeds and subsequences give different values", () => {
  const base = new KeyedStream(7, "output/W").uint32(64);
  for (const other of [
    new KeyedStream(7, "output/b"),
    new KeyedStream(7, "output/W "),
    new KeyedStream(7, "Output/W"),
    new KeyedStream(8, "output/W"),
    new KeyedStream(-7, "output/W"),
    new KeyedStream(7, "output/W", 1),
  ]) {
    const o = other.uint32(64);
    const same = base.filter((v, i) => v === o[i]).length;
    assert.ok(
      same <= 1,
      `${other.seed} ${JSON.stringify(other.name)} ${other.subsequence}: ${same} equal words`,
    );
  }
});

test("two runs give identical values, and repeated draws from one stream repeat", () => {
  const a = new KeyedStream(3, "dropout/x", 17);
  const first = a.truncatedNormal(5000);
  a.uniform(10000); // uses the internal scratch buffer in between
  assert.deepEqual(a.truncatedNormal(5000), first);
  assert.deepEqual(new KeyedStream(3, "dropout/x", 17).truncatedNormal(5000), first);
});

function meanVar(x: ArrayLike<number>): [number, number] {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  const m = s / x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - m) ** 2;
  return [m, v / x.length];
}

// Tolerances are about 5 standard errors for 1e5 samples: the values are fixed
// (deterministic), so these either always pass or always fail.
test("uniform over 1e5 samples lies in [0, 1) with mean 0.5 ± 0.005 and variance 1/12 ± 0.002", () => {
  const u = new KeyedStream(11, "stats/uniform").uniform(100_000);
  assert.ok(u.every((v) => v >= 0 && v < 1));
  const [m, v] = meanVar(u);
  assert.ok(Math.abs(m - 0.5) < 0.005, `mean ${m}`);
  assert.ok(Math.abs(v - 1 / 12) < 0.002, `var ${v}`);
});

test("uniformRange stays in [lo, hi] with the right mean", () => {
  const u = new KeyedStream(11, "stats/range").uniformRange(100_000, -2, 6);
  assert.ok(u.every((v) => v >= -2 && v <= 6));
  assert.ok(Math.abs(meanVar(u)[0] - 2) < 0.04);
});

test("normal(1e5, 3, 2) has mean 3 ± 0.04 and std 2 ± 0.03", () => {
  const [m, v] = meanVar(new KeyedStream(11, "stats/normal").normal(100_000, 3, 2));
  assert.ok(Math.abs(m - 3) < 0.04, `mean ${m}`);
  assert.ok(Math.abs(Math.sqrt(v) - 2) < 0.03, `std ${Math.sqrt(v)}`);
});

test("truncatedNormal never goes beyond 2 std and has std 0.8796 * std ± 1%", () => {
  const x = new KeyedStream(11, "stats/trunc").truncatedNormal(100_000, -1, 0.5);
  assert.ok(
    x.every((v) => Math.abs(v + 1) <= 1.0000001),
    "beyond 2 std",
  );
  const [m, v] = meanVar(x);
  assert.ok(Math.abs(m + 1) < 0.01, `mean ${m}`);
  assert.ok(Math.abs(Math.sqrt(v) / 0.5 / 0.8796256610342398 - 1) < 0.01, `std ${Math.sqrt(v)}`);
});

test("truncatedNormal keeps normal()'s draw where it is within 2 std and redraws only the rest", () => {
  const s = new KeyedStream(5, "t");
  const n = s.normal(20_000);
  const t = s.truncatedNormal(20_000);
  let redrawn = 0;
  for (let i = 0; i < n.length; i++) {
    if (Math.abs(n[i]) < 2) assert.equal(t[i], n[i]);
    else redrawn++;
  }
  assert.ok(redrawn > 700 && redrawn < 1100, `${redrawn} redrawn (expect ~4.55%)`);
});

test("bernoulliMask keeps exactly where uniform < keepProb, about keepProb of the time", () => {
  const s = new KeyedStream(9, "layer/dropout", 123);
  const u = s.uniform(100_000);
  const mask = s.bernoulliMask(100_000, 0.9);
  assert.ok(mask.every((k, i) => k === (u[i] < 0.9 ? 1 : 0)));
  const kept = mask.reduce((a, b) => a + b, 0) / mask.length;
  assert.ok(Math.abs(kept - 0.9) < 0.005, `kept ${kept}`);
  assert.ok(s.bernoulliMask(1000, 1).every((k) => k === 1));
  assert.ok(s.bernoulliMask(1000, 0).every((k) => k === 0));
});

test("invalid seeds, counts, offsets, subsequences and probabilities throw RangeError", () => {
  assert.throws(() => new KeyedStream(1.5, "a"), RangeError);
  assert.throws(() => new KeyedStream(1, "a", 2 ** 32), RangeError);
  assert.throws(() => new KeyedStream(1, "a", -1), RangeError);
  const s = new KeyedStream(1, "a");
  assert.throws(() => s.uniform(-1), RangeError);
  assert.throws(() => s.uniform(1, 0.5), RangeError);
  assert.throws(() => s.uniform(1, 2 ** 53), RangeError);
  assert.throws(() => s.bernoulliMask(1, 1.5), RangeError);
  assert.throws(() => s.bernoulliMask(1, Number.NaN), RangeError);
});

test("dropoutMask is uniform(i) >= rate ? 1/(1-rate) : 0, element for element, at any offset", () => {
  const s = new KeyedStream(7, "dropout/enc/att", 3);
  for (const [n, rate, offset] of [
    [10007, 0.1, 0],
    [5000, 0.3, 13],
    [17, 0.5, 2 ** 33 + 1],
    [4096, 0, 5],
  ] as const) {
    const u = s.uniform(n, offset);
    const want = Float32Array.from(u, (x) => (x >= rate ? 1 / (1 - rate) : 0));
    const got = s.dropoutMask(n, rate, offset);
    assert.deepEqual(got, want, `n ${n} rate ${rate} offset ${offset}`);
  }
  assert.throws(() => s.dropoutMask(4, 1), RangeError);
});
