/**
 * The LSTM kernels: native against the JS reference (the per-step recurrent
 * product differs only by GEMM rounding: float32 FMA chains vs one float64
 * rounding), and the native kernel bitwise identical for 1, 2 and 3 threads.
 * Skipped when the addon is not built.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { jsKernels } from "../../src/kernels/js/index.js";
import type { Kernels, LstmBackwardArgs, LstmForwardArgs, LstmSpec } from "../../src/kernels/kernels.js";
import { nativeKernels } from "../../src/kernels/native/index.js";
import { testRandom } from "../helpers/gradcheck.js";
import { assertClose } from "../tensor/ops/support.js";

const nk = nativeKernels();
const skip = nk === null ? "native addon not built" : false;

function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = testRandom(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** One problem's arrays (inputs from `seed`) and the kernel arguments over them. */
function problem(spec: LstmSpec, lengths: Int32Array, seed = 0) {
  const { b: B, t: T, n } = spec;
  const xp = rand(B * T * 4 * n, seed + 1, -2, 2);
  const wRe = rand(n * 4 * n, seed + 2, -0.5, 0.5);
  const c0 = rand(B * n, seed + 3);
  const h0 = rand(B * n, seed + 4);
  const [y, cells, hPrev] = [0, 1, 2].map(() => new Float32Array(B * T * n));
  const gates = new Float32Array(B * T * 4 * n);
  const [cLast, hLast] = [0, 1].map(() => new Float32Array(B * n));
  const dy = rand(B * T * n, seed + 5);
  const dxp = new Float32Array(B * T * 4 * n);
  const dwRe = new Float32Array(n * 4 * n);
  const [dc0, dh0] = [0, 1].map(() => new Float32Array(B * n));
  const forward: LstmForwardArgs = [xp, wRe, c0, h0, lengths, y, cells, gates, hPrev, cLast, hLast, spec];
  const backward: LstmBackwardArgs = [
    wRe,
    c0,
    lengths,
    cells,
    gates,
    hPrev,
    dy,
    rand(B * n, seed + 6),
    rand(B * n, seed + 7),
    dxp,
    dwRe,
    dc0,
    dh0,
    spec,
  ];
  return { forward, backward, outputs: [y, cells, gates, hPrev, cLast, hLast, dxp, dwRe, dc0, dh0] };
}

/** Forward and backward on one problem; every output array, in a fixed order. */
function runBoth(k: Kernels, spec: LstmSpec, lengths: Int32Array): Float32Array[] {
  const p = problem(spec, lengths);
  k.lstmForward(...p.forward);
  k.lstmBackward(...p.backward);
  return p.outputs;
}

const names = ["y", "cells", "gates", "hPrev", "cLast", "hLast", "dxp", "dwRe", "dc0", "dh0"];
const lengthsOf = (B: number, T: number) =>
  Int32Array.from({ length: B }, (_, b) => Math.max(0, T - ((b * 7) % (T + 1))));

test("native lstm agrees with the JS reference (both directions; recurrent products of one and several k-chunks)", {
  skip,
}, () => {
  // n = 300: the packed recurrent weights span 2 k-chunks forward (k = n) and 5 backward (k = 4n).
  for (const [B, T, n] of [
    [5, 7, 6],
    [3, 3, 300],
  ])
    for (const backward of [false, true]) {
      const spec: LstmSpec = { b: B, t: T, n, backward };
      const lengths = lengthsOf(B, T);
      const js = runBoth(jsKernels, spec, lengths);
      const native = runBoth(nk!, spec, lengths);
      for (const [i, x] of js.entries()) assertClose(native[i], x, { atol: 1e-4, rtol: 1e-4 }, names[i]);
    }
});

test("native lstm gives the same bits under every ISA this CPU has (packed weights follow the micro-kernel)", {
  skip,
}, () => {
  const spec: LstmSpec = { b: 13, t: 3, n: 300, backward: false };
  const lengths = lengthsOf(13, 3);
  const results: string[][] = [];
  try {
    for (const isa of ["generic", "avx2", "avx512"] as const)
      if (nk!.setIsa(isa))
        results.push(runBoth(nk!, spec, lengths).map((x) => Buffer.from(x.buffer).toString("base64")));
  } finally {
    nk!.setIsa("auto");
  }
  assert.ok(results.length >= 1);
  for (const r of results.slice(1)) assert.deepEqual(r, results[0]);
});

test("native lstm is bitwise identical for 1, 2 and 3 threads", { skip }, () => {
  const before = nk!.threads();
  try {
    for (const backward of [false, true]) {
      // Large enough that the cell update is split over several tasks (grain 2048).
      const spec: LstmSpec = { b: 9, t: 5, n: 300, backward };
      const lengths = lengthsOf(9, 5);
      const results = [1, 2, 3].map((threads) => {
        nk!.setThreads(threads);
        return runBoth(nk!, spec, lengths).map((x) => Buffer.from(x.buffer).toString("base64"));
      });
      assert.deepEqual(results[1], results[0], "2 threads differ from 1");
      assert.deepEqual(results[2], results[0], "3 threads differ from 1");
    }
  } finally {
    nk!.setThreads(before);
  }
});

test("native lstm rejects arrays that are too small", { skip }, () => {
  const spec: LstmSpec = { b: 2, t: 3, n: 4, backward: false };
  const f = (len: number) => new Float32Array(len);
  assert.throws(
    () =>
      nk!.lstmForward(
        f(10),
        f(64),
        f(8),
        f(8),
        Int32Array.of(3, 3),
        f(24),
        f(24),
        f(96),
        f(24),
        f(8),
        f(8),
        spec,
      ),
    /xp: array has 10 elements/,
  );
});

test("lstm pairs (a BLSTM's directions at once) give the bits of two separate calls, on both kernel sets and any thread count", () => {
  // Two different problems: other sizes, lengths, directions and inputs.
  const specs: LstmSpec[] = [
    { b: 9, t: 5, n: 300, backward: false },
    { b: 4, t: 7, n: 40, backward: true },
  ];
  const lengths = specs.map((s) => lengthsOf(s.b, s.t));
  const encode = (xs: Float32Array[]) => xs.map((x) => Buffer.from(x.buffer).toString("base64"));
  const sets: [string, Kernels, number[]][] = [["js", jsKernels, [1]]];
  if (nk) sets.push(["native", nk, [1, 2, 3]]);
  const before = nk?.threads();
  try {
    for (const [name, k, threadCounts] of sets)
      for (const threads of threadCounts) {
        nk?.setThreads(threads);
        const single = specs.map((s, i) => {
          const p = problem(s, lengths[i], 10 * i);
          k.lstmForward(...p.forward);
          k.lstmBackward(...p.backward);
          return encode(p.outputs);
        });
        const [a, b] = specs.map((s, i) => problem(s, lengths[i], 10 * i));
        k.lstmForwardPair(a.forward, b.forward);
        k.lstmBackwardPair(a.backward, b.backward);
        assert.deepEqual([encode(a.outputs), encode(b.outputs)], single, `${name}, ${threads} thread(s)`);
      }
  } finally {
    if (before !== undefined) nk!.setThreads(before);
  }
});
