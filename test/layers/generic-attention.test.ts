import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/generic-attention.js";
import "../../src/layers/dot.js";
import "../../src/layers/merge-dims.js";
import "../../src/layers/softmax-over-spatial.js";
import "../../src/layers/split-dims.js";
import { batchDim, type Data, staticDim } from "../../src/network/data.js";
import { ReproError } from "../../src/util/errors.js";
import {
  closeTo as close,
  dataOf,
  layerGradCheck,
  maskingCheck,
  randData as rand,
  runLayer,
  timeDimOf,
} from "../helpers/layer-harness.js";

// The reference config's shapes: H=4 heads of k=8 (d=32), T_dec the rec loop axis.
const H = 4;
const k = 8;
const B = batchDim(2);
const Tenc = timeDimOf([3, 2], "T_enc");
const Tdec = timeDimOf([2, 1], "T_dec", true);
const value = () => rand([B, Tenc, staticDim(H), staticDim(k)], 1); // (B, T_enc, H, k)
const stepWeights = () => rand([B, staticDim(H), Tenc], 2); // (B, H, T_enc)
const loopWeights = () => rand([B, Tdec, staticDim(H), Tenc], 3); // (B, T_dec, H, T_enc)
const opts = { weights: "att_weights", base: "base:enc_value" };

/** Runs generic_attention with `weights` and `base` resolved by name. */
function attend(weights: Data, base: Data, path = "output/dec_01_att0"): Data {
  const layers: Record<string, Data> = { att_weights: weights, "base:enc_value": base };
  return runLayer("generic_attention", opts, [], {
    path,
    resolve: (name) => {
      const d = layers[name];
      if (!d) throw new Error(`no layer ${name}`);
      return d;
    },
  });
}

test("weights and base are declared as dependencies", async () => {
  const { layerClass } = await import("../../src/layers/registry.js");
  assert.deepEqual(layerClass("generic_attention", "t").refs?.(opts as never), [
    "att_weights",
    "base:enc_value",
  ]);
  assert.equal(layerClass("generic_attention", "t").allowNoSources, true);
});

test("a hand-checkable case: weights [0.25, 0.75] over two frames", () => {
  const T = timeDimOf([2]);
  const w = dataOf([0.25, 0.75], [batchDim(1), T]);
  const base = dataOf([1, 2, 3, 4], [batchDim(1), T, staticDim(2)]);
  const y = attend(w, base);
  assert.deepEqual(y.value.shape, [1, 2]);
  assert.deepEqual(Array.from(y.value.data), [0.25 * 1 + 0.75 * 3, 0.25 * 2 + 0.75 * 4]);
});

test("per decoder step: (B, H, T_enc) weights × (B, T_enc, H, k) value → (B, H, k)", () => {
  const w = stepWeights();
  const v = value();
  const y = attend(w, v);
  assert.deepEqual(y.value.shape, [2, H, k]);
  assert.equal(y.dims[1], w.dims[1]);
  assert.equal(y.dims[2], v.dims[3]);
  for (let b = 0; b < 2; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < k; i++) {
        let s = 0;
        for (let t = 0; t < Tenc.lengths![b]; t++)
          s += w.value.data[(b * H + h) * 3 + t] * v.value.data[((b * 3 + t) * H + h) * k + i];
        close(y.value.data[(b * H + h) * k + i], s);
      }
});

test("in training (loop axis on the weights): (B, T_dec, H, T_enc) → (B, T_dec, H, k)", () => {
  const w = loopWeights();
  const v = value();
  const y = attend(w, v);
  assert.deepEqual(y.value.shape, [2, 2, H, k]);
  assert.equal(y.dims[1], Tdec);
  for (let b = 0; b < 2; b++)
    for (let s = 0; s < Tdec.lengths![b]; s++)
      for (let h = 0; h < H; h++)
        for (let i = 0; i < k; i++) {
          let acc = 0;
          for (let t = 0; t < Tenc.lengths![b]; t++)
            acc += w.value.data[((b * 2 + s) * H + h) * 3 + t] * v.value.data[((b * 3 + t) * H + h) * k + i];
          close(y.value.data[((b * 2 + s) * H + h) * k + i], acc);
        }
});

test("NaN in the value beyond the encoder end does not leak (even where the weight is 0)", () => {
  const v = value();
  const dirty = dataOf(
    Float32Array.from(v.value.data, (x, i) =>
      Math.floor(i / (H * k)) % 3 === 2 && i >= 3 * H * k ? Number.NaN : x,
    ),
    v.dims,
  );
  const w = loopWeights();
  const zeroed = dataOf(
    Float32Array.from(w.value.data, (x, i) => (i % 3 === 2 && i >= 2 * H * 3 ? 0 : x)),
    w.dims,
  );
  const y = attend(zeroed, dirty).value.data;
  assert.ok(y.every((x) => Number.isFinite(x)));
});

test("generic_attention passes a finite-difference gradient check (gradcheck layer:generic_attention)", () => {
  layerGradCheck((w, v) => attend(w, v), [loopWeights(), value()]);
});

test("padded frames of weights and value reach no valid output or gradient", () => {
  maskingCheck((w, v) => attend(w, v), [loopWeights(), value()]);
});

test("errors name the layer", () => {
  const isOurs = (re: RegExp) => (e: Error) =>
    e instanceof ReproError && e.message.startsWith("output/dec_01_att0:") && re.test(e.message);
  const noTime = rand([B, staticDim(H), staticDim(k)], 4);
  assert.throws(() => attend(stepWeights(), noTime), isOurs(/no time axis/));
  const otherT = rand([B, staticDim(H), timeDimOf([3, 1], "T_other")], 5);
  assert.throws(() => attend(otherT, value()), isOurs(/no axis matching the base's time axis/));
  const otherHeads = rand([B, Tenc, staticDim(H + 1), staticDim(k)], 6);
  assert.throws(() => attend(stepWeights(), otherHeads), isOurs(/match no axis of the weights/));
  assert.throws(
    () =>
      runLayer("generic_attention", opts, [value()], { path: "output/dec_01_att0", resolve: () => value() }),
    isOurs(/takes no "from"/),
  );
  assert.throws(
    () => runLayer("generic_attention", { weights: "w" }, [], { path: "output/dec_01_att0" }),
    isOurs(/base/),
  );
});

// ---- the reference config's whole cross-attention, in the rec training layout ----

/** key0/value0 (B, T_enc, 32) and query0 (B, T_dec loop, 32) through split_dims, dot, softmax, generic_attention, merge_dims. */
function crossAttention(key0: Data, value0: Data, query0: Data): { energy: Data; att: Data; out: Data } {
  const split = (x: Data) => runLayer("split_dims", { axis: "F", dims: [4, 8] }, [x]);
  const key = split(key0);
  const value = split(value0);
  const query = split(query0);
  const energy = runLayer("dot", { red1: -1, red2: -1, var1: "T", var2: "T?" }, [key, query]);
  const weights = runLayer("softmax_over_spatial", { energy_factor: 0.3535533905932738 }, [energy]);
  const att = attend(weights, value);
  const out = runLayer("merge_dims", { axes: "static" }, [att]);
  return { energy, att, out };
}
const enc = (seed: number) => rand([B, Tenc, staticDim(32)], seed);
const dec = (seed: number) => rand([B, Tdec, staticDim(32)], seed);

test("the reference cross-attention: shapes (B,T_enc,4,8)·(B,T_dec,4,8) → (B,T_dec,4,T_enc) → (B,T_dec,4,8) → (B,T_dec,32)", () => {
  const [key0, value0, query0] = [enc(11), enc(12), dec(13)];
  const { energy, att, out } = crossAttention(key0, value0, query0);
  assert.deepEqual(energy.value.shape, [2, 2, 4, 3]);
  assert.deepEqual(att.value.shape, [2, 2, 4, 8]);
  assert.deepEqual(out.value.shape, [2, 2, 32]);
  assert.equal(out.dims[1], Tdec);
  assert.equal(out.featureAxis, 2);
  // Straightforward multi-head attention, head h on features h·8 .. h·8+7.
  const K = key0.value.data;
  const V = value0.value.data;
  const Q = query0.value.data;
  for (let b = 0; b < 2; b++)
    for (let s = 0; s < Tdec.lengths![b]; s++)
      for (let h = 0; h < 4; h++) {
        const len = Tenc.lengths![b];
        const e = Array.from({ length: len }, (_, t) => {
          let acc = 0;
          for (let i = 0; i < 8; i++)
            acc += K[(b * 3 + t) * 32 + h * 8 + i] * Q[(b * 2 + s) * 32 + h * 8 + i];
          return acc / Math.sqrt(8);
        });
        const m = Math.max(...e);
        const z = e.reduce((p, v) => p + Math.exp(v - m), 0);
        for (let i = 0; i < 8; i++) {
          let acc = 0;
          for (let t = 0; t < len; t++) acc += (Math.exp(e[t] - m) / z) * V[(b * 3 + t) * 32 + h * 8 + i];
          close(out.value.data[(b * 2 + s) * 32 + h * 8 + i], acc);
        }
      }
});

test("the reference cross-attention passes a gradient check and keeps padded frames out", () => {
  const run = (k0: Data, v0: Data, q0: Data) => crossAttention(k0, v0, q0).out;
  layerGradCheck(run, [enc(14), enc(15), dec(16)]);
  maskingCheck(run, [enc(17), enc(18), dec(19)]);
});

test("auto_squeeze (default): weights (B, T, 1) give (B, F), as RETURNN's n_out-1 energies; false keeps the axis", () => {
  const T = timeDimOf([2]);
  const w = dataOf([0.25, 0.75], [batchDim(1), T, staticDim(1)]);
  const base = dataOf([1, 2, 3, 4], [batchDim(1), T, staticDim(2)]);
  const y = attend(w, base);
  assert.deepEqual(y.value.shape, [1, 2]);
  assert.deepEqual(Array.from(y.value.data), [0.25 * 1 + 0.75 * 3, 0.25 * 2 + 0.75 * 4]);
  const layers: Record<string, Data> = { att_weights: w, "base:enc_value": base };
  const kept = runLayer("generic_attention", { ...opts, auto_squeeze: false }, [], {
    path: "att",
    resolve: (name) => layers[name],
  });
  assert.deepEqual(kept.value.shape, [1, 1, 2]);
});
