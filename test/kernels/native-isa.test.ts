/**
 * The multi-versioned native kernels give the same bits on every instruction
 * set (native/src/isa.h): the vectorised exp (vexp.cc), the SIMD Philox
 * (philox_simd.cc) and the portable Philox group, each forced with setIsa —
 * what REPRONET_ISA does — and compared with a JS reference written from the
 * algorithm. Only the ISAs this CPU has can run; the others are skipped.
 *
 * Skipped when the addon is not built.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { jsKernels } from "../../src/kernels/js/index.js";
import { loadAddon } from "../../src/kernels/native/addon.js";
import { nativeKernels } from "../../src/kernels/native/index.js";
import { testRandom } from "../helpers/gradcheck.js";
import { vexpOne } from "../helpers/vexp.js";

const nk = nativeKernels();
const addon = loadAddon().addon;
const skip = nk === null || addon === null ? "native addon not built" : false;
const ISAS = ["generic", "avx2", "avx512"] as const;

/** Runs `body` once under each ISA this CPU supports, then restores the best one; returns those ISAs. */
function underEachIsa(body: (isa: string) => void): string[] {
  const ran: string[] = [];
  try {
    for (const isa of ISAS) {
      if (!nk!.setIsa(isa)) continue;
      assert.equal(nk!.isa(), isa, "isa() reports the forced ISA");
      body(isa);
      ran.push(isa);
    }
  } finally {
    nk!.setIsa("auto");
  }
  return ran;
}

function firstBitDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

test("vectorised exp: every ISA gives the bits of the JS re-computation of the algorithm", { skip }, () => {
  // Odd length: vector bodies and scalar tails both run; arguments over the whole
  // range the callers use (x − max ≤ 0), with −708 (the cut-off), −inf and NaN.
  const r = testRandom(11);
  const x = Float32Array.from({ length: 1027 }, (_, i) => (i % 3 === 0 ? -700 : -20) * r());
  x.set([0, -708, -708.5, -709, Number.NEGATIVE_INFINITY, Number.NaN, -1e-30, 1e-30], 100);
  const shift = 0.5;
  const want = Float64Array.from(x, (v) => vexpOne(v - shift));
  const ran = underEachIsa((isa) => {
    const got = new Float64Array(x.length);
    addon!.expShifted(x, shift, got);
    const i = firstBitDifference(got, want);
    assert.equal(i, -1, `${isa}: exp(${x[i]} − ${shift}) = ${got[i]}, reference ${want[i]}`);
  });
  assert.ok(ran.includes("generic"), "the generic path always runs");
});

// vexp.h promises "about 1 ulp"; measured against V8's Math.exp (itself < 1 ulp) the
// largest distance over 200 000 arguments is 2 ulp.
test("the JS re-computation of the vectorised exp is within 2 ulp of Math.exp", () => {
  const r = testRandom(12);
  for (let i = 0; i < 2000; i++) {
    const x = -700 * r() ** 3;
    const want = Math.exp(x);
    const ulp = 2 ** (Math.floor(Math.log2(want)) - 52);
    assert.ok(Math.abs(vexpOne(x) - want) <= 2 * ulp, `exp(${x}): ${vexpOne(x)} vs Math.exp ${want}`);
  }
});

test("Philox words and dropout masks: every ISA gives the keyed RNG's bits, from aligned and unaligned starts", {
  skip,
}, () => {
  // Lengths that are not multiples of the 64-word (AVX-512) or 32-word (AVX2) groups.
  for (const [first, n] of [
    [0, 4096],
    [3, 1001],
    [2 ** 34 + 5, 777],
  ]) {
    const wantWords = new Uint32Array(n);
    jsKernels.philoxWords(0xdeadbeef, 0x01234567, 7, 9, first, wantWords);
    const wantMask = new Float32Array(n);
    jsKernels.dropoutMask(0xdeadbeef, 0x01234567, 7, 9, first, 0.3, wantMask);
    underEachIsa((isa) => {
      const words = new Uint32Array(n);
      nk!.philoxWords(0xdeadbeef, 0x01234567, 7, 9, first, words);
      const i = firstBitDifference(words, wantWords);
      assert.equal(i, -1, `${isa}: word ${first + i}`);
      const mask = new Float32Array(n);
      nk!.dropoutMask(0xdeadbeef, 0x01234567, 7, 9, first, 0.3, mask);
      const j = firstBitDifference(mask, wantMask);
      assert.equal(j, -1, `${isa}: mask element ${first + j}`);
    });
  }
});

test("fused cross-attention (GEMM and exp inside): every ISA gives the same bits, forward and backward", {
  skip,
}, () => {
  const spec = {
    batch: 3,
    heads: 2,
    tq: 13,
    tk: 17,
    dk: 24,
    dv: 40,
    qLengths: Int32Array.of(13, 5, 1),
    kLengths: Int32Array.of(17, 9, 0),
    factor: 24 ** -0.5,
  };
  const r = testRandom(13);
  const rand = (n: number) => Float32Array.from({ length: n }, () => 2 * r() - 1);
  const q = rand(3 * 13 * 2 * 24);
  const k = rand(3 * 17 * 2 * 24);
  const v = rand(3 * 17 * 2 * 40);
  const drop = Float32Array.from(rand(3 * 13 * 2 * 17), (u) => (u > -0.8 ? 1.25 : 0));
  const gout = rand(3 * 13 * 2 * 40);
  const results = new Map<string, Float32Array[]>();
  underEachIsa((isa) => {
    const out = new Float32Array(gout.length);
    const probs = new Float32Array(3 * 2 * 13 * 17);
    nk!.crossAttention(q, k, v, drop, out, probs, spec);
    const [gq, gk, gv] = [q, k, v].map((x) => new Float32Array(x.length));
    nk!.crossAttentionBackward(q, k, v, drop, probs, gout, gq, gk, gv, spec);
    results.set(isa, [out, probs, gq, gk, gv]);
  });
  const want = results.get("generic")!;
  for (const [isa, got] of results)
    for (const [i, x] of got.entries())
      assert.equal(firstBitDifference(x, want[i]), -1, `${isa}: output ${i}`);
});

test("setIsa refuses an unknown ISA and leaves the active one unchanged", { skip }, () => {
  const before = nk!.isa();
  assert.equal(nk!.setIsa("sse9" as "auto"), false);
  assert.equal(nk!.isa(), before);
});
