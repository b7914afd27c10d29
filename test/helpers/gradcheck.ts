/**
 * Finite-difference gradient checks. The objective is Σ f(x)·r with fixed
 * pseudo-random weights r, so every output element's gradient path is tested.
 * Central differences are taken in float64 over the float32 forward pass;
 * default tolerance |analytic − numeric| ≤ atol + rtol·|numeric| with
 * eps = 1e-3, atol = rtol = 1e-2 (float32 forward noise is ~1e-4 here).
 */
import assert from "node:assert/strict";
import type { Batch, ForwardOptions } from "../../src/network/types.js";
import { mul as mulRaw, sum as sumAll } from "../../src/tensor/ops/index.js";
import { valueAndGrads } from "../../src/tensor/tape.js";
import { Tensor, tidy } from "../../src/tensor/tensor.js";

/** Small deterministic generator for test data (mulberry32). */
export function testRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Central difference of `objective` in element `i` of `data` (restored afterwards). */
export function centralDifference(
  objective: () => number,
  data: Float32Array,
  i: number,
  eps: number,
): number {
  const orig = data[i];
  data[i] = orig + eps;
  const plus = objective();
  data[i] = orig - eps;
  const minus = objective();
  data[i] = orig;
  return (plus - minus) / (2 * eps);
}

/** A float tensor with values uniform in [lo, hi). */
export function randTensor(shape: number[], seed: number, lo = -1, hi = 1): Tensor {
  const r = testRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    shape,
    Float32Array.from({ length: n }, () => lo + (hi - lo) * r()),
  );
}

export interface GradCheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Which inputs to check (default: all float inputs). */
  wrt?: number[];
}

function weightedSum(y: Tensor, r: Float64Array): number {
  let s = 0;
  const d = y.data;
  for (let i = 0; i < d.length; i++) s += d[i] * r[i];
  return s;
}

export function gradCheck(
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: GradCheckOptions = {},
): void {
  const { eps = 1e-3, atol = 1e-2, rtol = 1e-2 } = opts;
  const wrt = opts.wrt ?? inputs.flatMap((t, i) => (t.dtype === "float32" ? [i] : []));
  tidy(() => {
    const probe = f(...inputs);
    const rnd = testRandom(12345);
    const r = Float64Array.from({ length: probe.size }, () => rnd() * 2 - 1);
    const weights = new Tensor(probe.shape, Float32Array.from(r));
    const { grads } = valueAndGrads(
      () => {
        const y = f(...inputs);
        return sumAll(mulRaw(y, weights));
      },
      wrt.map((i) => inputs[i]),
    );
    wrt.forEach((inputIndex, k) => {
      const x = inputs[inputIndex];
      const g = grads[k];
      const data = x.f32;
      for (let i = 0; i < data.length; i++) {
        const orig = data[i];
        data[i] = orig + eps;
        const plus = tidy(() => weightedSum(f(...inputs), r));
        data[i] = orig - eps;
        const minus = tidy(() => weightedSum(f(...inputs), r));
        data[i] = orig;
        const numeric = (plus - minus) / (2 * eps);
        const analytic = g ? g.f32[i] : 0;
        assert.ok(
          Math.abs(analytic - numeric) <= atol + rtol * Math.abs(numeric),
          `input ${inputIndex} element ${i}: analytic ${analytic} vs numeric ${numeric}`,
        );
      }
    });
  });
}

/** A network as the gradient check below needs it (a built network: src/network/network.ts). */
interface CheckedNetwork {
  params: { list(): { name: string; value: Tensor }[] };
  forward(batch: Batch, o: ForwardOptions): { objective: Tensor | null };
}

/**
 * Every parameter gets a gradient, and `samples` elements of each (drawn with
 * `seed`) match central differences of the network's objective on `batch`
 * (|analytic − numeric| ≤ 2e-3 + 5e-2·|numeric|).
 */
export function assertParamGradients(
  net: CheckedNetwork,
  batch: Batch,
  o: ForwardOptions & { samples: number; eps: number; seed: number },
): void {
  const params = net.params.list();
  const fwd = { train: o.train, step: o.step };
  const objective = () => tidy(() => net.forward(batch, fwd).objective!.item());
  const analytic = tidy(() => {
    const r = valueAndGrads(
      () => net.forward(batch, fwd).objective!,
      params.map((p) => p.value),
    );
    return r.grads.map((g) => (g ? Array.from(g.f32) : null));
  });
  const rnd = testRandom(o.seed);
  for (const [k, p] of params.entries()) {
    assert.ok(analytic[k], `${p.name} gets a gradient`);
    const data = p.value.f32;
    for (let n = 0; n < o.samples; n++) {
      const i = Math.floor(rnd() * data.length);
      const numeric = centralDifference(objective, data, i, o.eps);
      const a = analytic[k]![i];
      assert.ok(
        Math.abs(a - numeric) <= 2e-3 + 5e-2 * Math.abs(numeric),
        `${p.name}[${i}]: analytic ${a}, numeric ${numeric}`,
      );
    }
  }
}
