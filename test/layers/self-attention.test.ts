import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/self-attention.js";
import { batchDim, type Data, type Dim, staticDim } from "../../src/network/data.js";
import { ParamStore } from "../../src/network/params.js";
import { slice } from "../../src/tensor/ops/index.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { ReproError } from "../../src/util/errors.js";

import {
  dataOf,
  layerGradCheck,
  maskingCheck,
  type RunSetup,
  randData as rand,
  runLayer,
  timeDimOf,
} from "../helpers/layer-harness.js";

const F = 4;
const B = batchDim(2);
const T = timeDimOf([3, 2], "T");
const Tdec = timeDimOf([3, 2], "T_dec", true);
const opts = { num_heads: 2, total_key_dim: 4, n_out: 6, attention_left_only: false };
const causal = { ...opts, attention_left_only: true };
const input = (seed = 1, dim: Dim = T) => rand([B, dim, staticDim(F)], seed);
const run = (o: Record<string, unknown>, x: Data, setup: RunSetup = {}) =>
  runLayer("self_attention", o, [x], setup);

/**
 * The composed reference, per head, in float64: x (B, T, F) with padded frames
 * zeroed, QKV columns grouped per head [q_h | k_h | v_h], softmax over the valid
 * (and, if causal, non-future) keys.
 */
function reference(x: Data, W: Float32Array, o: typeof opts): Float64Array {
  return referenceWith(x, W, o, F);
}

function referenceWith(x: Data, W: Float32Array, o: typeof opts, F: number): Float64Array {
  const [Bn, Tn] = [x.dims[0].size, x.dims[1].size];
  const lengths = x.dims[1].lengths!;
  const H = o.num_heads;
  const kh = o.total_key_dim / H;
  const vh = o.n_out / H;
  const width = 2 * kh + vh;
  const cols = W.length / F;
  const out = new Float64Array(Bn * Tn * o.n_out);
  const proj = (b: number, t: number, c: number) => {
    if (t >= lengths[b]) return 0;
    let s = 0;
    for (let i = 0; i < F; i++) s += x.value.data[(b * Tn + t) * F + i] * W[i * cols + c];
    return s;
  };
  for (let b = 0; b < Bn; b++)
    for (let h = 0; h < H; h++)
      for (let q = 0; q < Tn; q++) {
        const keys = [...Array(Tn).keys()].filter(
          (k) => k < lengths[b] && (!o.attention_left_only || k <= q),
        );
        const e = keys.map((k) => {
          let s = 0;
          for (let i = 0; i < kh; i++)
            s += proj(b, q, h * width + i) * kh ** -0.5 * proj(b, k, h * width + kh + i);
          return s;
        });
        const m = Math.max(...e);
        const z = e.reduce((acc, v) => acc + Math.exp(v - m), 0);
        for (let j = 0; j < vh; j++) {
          let s = 0;
          keys.forEach((k, n) => {
            s += (Math.exp(e[n] - m) / z) * proj(b, k, h * width + 2 * kh + j);
          });
          out[(b * Tn + q) * o.n_out + h * vh + j] = s;
        }
      }
  return out;
}

function assertMatchesReference(x: Data, o: typeof opts) {
  const params = new ParamStore(42);
  const y = run(o, x, { params, path: "enc_01_self_att_att" });
  const W = params.get("enc_01_self_att_att/QKV", [F, 2 * o.total_key_dim + o.n_out], () =>
    assert.fail("exists"),
  );
  const want = reference(x, W.f32, o);
  assert.deepEqual(y.value.shape, [2, 3, o.n_out]);
  want.forEach((w, i) => {
    assert.ok(Math.abs(y.value.data[i] - w) < 1e-5, `element ${i}: ${y.value.data[i]} vs ${w}`);
  });
}

test("one fused QKV parameter [n_in, 2·total_key_dim + n_out], glorot-uniform by default", () => {
  const params = new ParamStore(42);
  run(opts, input(), { params, path: "enc_01_self_att_att" });
  const list = params.list();
  assert.deepEqual(
    list.map((p) => [p.name, p.value.shape]),
    [["enc_01_self_att_att/QKV", [4, 14]]],
  );
  const limit = Math.sqrt(6 / (4 + 14));
  assert.ok(list[0].value.f32.every((v) => Math.abs(v) <= limit));
});

test("matches a per-head composed reference over the time axis, padded keys masked", () => {
  assertMatchesReference(input(), opts);
});

test("attention_left_only matches the causal per-head reference", () => {
  assertMatchesReference(input(2), causal);
});

test("the output keeps the input's dims with the feature dim replaced by n_out", () => {
  const x = input();
  const y = run(opts, x);
  assert.equal(y.dims[0], x.dims[0]);
  assert.equal(y.dims[1], T);
  assert.equal(y.dims[2].size, 6);
  assert.equal(y.featureAxis, 2);
});

test("in the rec training layout it attends over the loop axis like over time", () => {
  const params = new ParamStore(3);
  const onTime = run(causal, input(4), { params });
  const x = input(4, Tdec);
  const onLoop = run(causal, x, { params, rec: {} });
  assert.equal(onLoop.dims[1], Tdec);
  assert.deepEqual(Array.from(onLoop.value.data), Array.from(onTime.value.data));
});

test("left-only: the output at step t does not change when inputs after t change", () => {
  const params = new ParamStore(5);
  const x = input(6, Tdec);
  const y = run(causal, x, { params, rec: {} }).value.data;
  for (let t = 0; t < 2; t++) {
    const changed = dataOf(
      Float32Array.from(x.value.data, (v, i) => (Math.floor(i / F) % 3 > t ? v + 10 * (i + 1) : v)),
      x.dims,
    );
    const z = run(causal, changed, { params, rec: {} }).value.data;
    for (let b = 0; b < 2; b++)
      for (let s = 0; s <= t; s++)
        for (let j = 0; j < 6; j++)
          assert.equal(z[(b * 3 + s) * 6 + j], y[(b * 3 + s) * 6 + j], `b${b} step ${s}`);
  }
  // Without left-only the first step does see later ones.
  const full = run(opts, x, { params, rec: {} }).value.data;
  const later = dataOf(
    Float32Array.from(x.value.data, (v, i) => (Math.floor(i / F) % 3 > 0 ? v + 1 : v)),
    x.dims,
  );
  assert.notEqual(run(opts, later, { params, rec: {} }).value.data[0], full[0]);
});

test("attention_dropout applies in training only, keyed by the step", () => {
  const params = new ParamStore(7);
  const x = input(8);
  const o = { ...opts, attention_dropout: 0.5 };
  const evalOut = Array.from(run(o, x, { params }).value.data);
  assert.deepEqual(evalOut, Array.from(run(opts, x, { params }).value.data));
  const a = Array.from(run(o, x, { params, train: true, step: 3 }).value.data);
  const again = Array.from(run(o, x, { params, train: true, step: 3 }).value.data);
  const other = Array.from(run(o, x, { params, train: true, step: 4 }).value.data);
  assert.notDeepEqual(a, evalOut);
  assert.deepEqual(a, again);
  assert.notDeepEqual(a, other);
});

test("forward_weights_init is honoured", () => {
  const y = run({ ...opts, forward_weights_init: 0 }, input());
  assert.ok(y.value.f32.every((v) => v === 0));
});

test("step by step with cached keys and values gives the whole-sequence (left-only) outputs", () => {
  const params = new ParamStore(9);
  const full = run(causal, input(9, Tdec), { params, rec: {} }); // [B, Tdec, 6]
  let cache: readonly Tensor[] | undefined;
  const state = { get: () => cache, set: (t: readonly Tensor[]) => (cache = t) };
  const x = input(9, Tdec).value;
  for (let t = 0; t < Tdec.size; t++) {
    const xt = slice(x, [0, t, 0], [2, 1, F]);
    const step = run(causal, dataOf(xt.f32, [B, staticDim(F)]), { params, rec: { step: t, state } });
    for (let b = 0; b < 2; b++) {
      if (t >= Tdec.lengths![b]) continue; // padded steps are never searched
      for (let c = 0; c < 6; c++) {
        const want = full.value.f32[(b * Tdec.size + t) * 6 + c];
        assert.ok(Math.abs(step.value.f32[b * 6 + c] - want) < 1e-6, `step ${t} batch ${b} channel ${c}`);
      }
    }
  }
});

test("step by step needs attention_left_only", () => {
  const state = { get: () => undefined, set: () => {} };
  assert.throws(
    () => run(opts, rand([B, staticDim(F)], 9), { rec: { step: 0, state } }),
    /attention_left_only/,
  );
});

test("self_attention passes a finite-difference gradient check w.r.t. input and QKV", () => {
  const params = new ParamStore(11);
  layerGradCheck((x) => run(opts, x, { params }), [input(12)], params);
  const loopParams = new ParamStore(13);
  layerGradCheck((x) => run(causal, x, { params: loopParams, rec: {} }), [input(14, Tdec)], loopParams);
});

test("gradcheck layer:self_attention with attention_dropout in training (fixed keyed mask)", () => {
  const params = new ParamStore(15);
  const dropped = { ...opts, attention_dropout: 0.3 };
  const train = { params, train: true, step: 4 };
  const x = input(16);
  // The mask really drops: training output differs from evaluation output.
  assert.notDeepEqual(run(dropped, x, train).value.toArray(), run(dropped, x, { params }).value.toArray());
  layerGradCheck((d) => run(dropped, d, train), [x], params, { atol: 1e-3, rtol: 1e-3 });
});

test("padded frames reach no valid output or gradient", () => {
  const params = new ParamStore(15);
  maskingCheck((x) => run(opts, x, { params }), input(16));
  maskingCheck((x) => run(causal, x, { params, rec: {} }), input(17, Tdec));
});

test("option errors name the layer", () => {
  const isOurs = (re: RegExp) => (e: Error) =>
    e instanceof ReproError && e.message.startsWith("sa:") && re.test(e.message);
  const bad =
    (o: Record<string, unknown>, x: Data = input()) =>
    () =>
      run(o, x, { path: "sa" });
  assert.throws(
    bad({ ...opts, total_key_dim: 5 }),
    isOurs(/total_key_dim 5 is not divisible by num_heads 2/),
  );
  assert.throws(bad({ ...opts, n_out: 5 }), isOurs(/n_out 5 is not divisible/));
  assert.throws(bad({ num_heads: 2, total_key_dim: 4 }), isOurs(/"n_out"/));
  assert.throws(bad(opts, rand([B, staticDim(F)], 18)), isOurs(/needs a time axis/));
  assert.throws(bad({ ...opts, attention_dropout: 1 }), isOurs(/attention_dropout/));
  assert.throws(bad({ ...opts, num_heads: 0 }), isOurs(/num_heads/));
  assert.throws(bad({ ...opts, forward_weights_init: "glorot_unifrom" }), isOurs(/unknown initializer/));
});

test("the reference decoder self-attention (B, T_dec loop, 32), 4 heads, key dim 32, left-only", () => {
  const o = { n_out: 32, num_heads: 4, total_key_dim: 32, attention_left_only: true, attention_dropout: 0.1 };
  const params = new ParamStore(19);
  const x = rand([B, Tdec, staticDim(32)], 20);
  const y = run(o, x, { params, path: "output/dec_01_self_att_att", rec: {} });
  assert.deepEqual(y.value.shape, [2, 3, 32]);
  assert.equal(y.dims[1], Tdec);
  // Reference (no dropout outside training): the same per-head computation on a plain time axis.
  const W = params.get("output/dec_01_self_att_att/QKV", [32, 96], () => assert.fail("exists"));
  const asTime = dataOf(x.value.data, [B, timeDimOf([3, 2], "T"), staticDim(32)]);
  const want = referenceWith(asTime, W.f32, o, 32);
  want.forEach((w, i) => {
    assert.ok(Math.abs(y.value.data[i] - w) < 1e-5, `element ${i}: ${y.value.data[i]} vs ${w}`);
  });
  maskingCheck((d) => run(o, d, { params, rec: {}, train: true }), x);
});
