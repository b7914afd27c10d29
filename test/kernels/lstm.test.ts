/**
 * The LSTM kernels: native against the JS reference (the per-step recurrent
 * product differs only by GEMM rounding: float32 FMA chains vs one float64
 * rounding), and the native kernel bitwise identical for 1, 2 and 3 threads.
 * Skipped when the addon is not built.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { jsKernels } from "../../src/kernels/js/index.js";
import type { Kernels, LstmSpec } from "../../src/kernels/kernels.js";
import { nativeKernels } from "../../src/kernels/native/index.js";
import { testRandom } from "../helpers/gradcheck.js";
import { assertClose } from "../tensor/ops/support.js";

const nk = nativeKernels();
const skip = nk === null ? "native addon not built" : false;

function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = testRandom(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** Forward and backward on one problem; every output array, in a fixed order. */
function runBoth(k: Kernels, spec: LstmSpec, lengths: Int32Array): Float32Array[] {
  const { b: B, t: T, n } = spec;
  const xp = rand(B * T * 4 * n, 1, -2, 2);
  const wRe = rand(n * 4 * n, 2, -0.5, 0.5);
  const c0 = rand(B * n, 3);
  const h0 = rand(B * n, 4);
  const [y, cells, hPrev] = [0, 1, 2].map(() => new Float32Array(B * T * n));
  const gates = new Float32Array(B * T * 4 * n);
  const [cLast, hLast] = [0, 1].map(() => new Float32Array(B * n));
  k.lstmForward(xp, wRe, c0, h0, lengths, y, cells, gates, hPrev, cLast, hLast, spec);
  const dy = rand(B * T * n, 5);
  const dxp = new Float32Array(B * T * 4 * n);
  const dwRe = new Float32Array(n * 4 * n);
  const [dc0, dh0] = [0, 1].map(() => new Float32Array(B * n));
  k.lstmBackward(
    wRe,
    c0,
    lengths,
    cells,
    gates,
    hPrev,
    dy,
    rand(B * n, 6),
    rand(B * n, 7),
    dxp,
    dwRe,
    dc0,
    dh0,
    spec,
  );
  return [y, cells, gates, hPrev, cLast, hLast, dxp, dwRe, dc0, dh0];
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
