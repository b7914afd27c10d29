/**
 * LSTM units in `rec` (string unit) and `rnn_cell`: RETURNN's parameter names
 * and shapes, the cell arithmetic against a float64 reference written from
 * RETURNN's formulas (NativeLstm2 gates j,i,f,o; TF LSTMCell gates i,j,f,o with
 * forget_bias 1), direction -1, padding (garbage beyond the ends changes no
 * output and no gradient, parameters included), finite-difference gradients,
 * step-by-step search state, and the errors for bad units and options.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/rec.js";
import "../../src/layers/rnn-cell.js";
import "../../src/layers/get-last-hidden-state.js";
import type { LayerState } from "../../src/layers/layer.js";
import { batchDim, type Data, staticDim } from "../../src/network/data.js";
import { ParamStore } from "../../src/network/params.js";
import { mul, sum } from "../../src/tensor/ops/index.js";
import { valueAndGrads } from "../../src/tensor/tape.js";
import { Tensor, tidy } from "../../src/tensor/tensor.js";
import {
  dataOf,
  layerContext,
  layerGradCheck,
  maskingCheck,
  paramTensors,
  randDense,
  runLayer,
  sparseData,
  withGarbage,
} from "../helpers/layer-harness.js";

const F = 3;
const N = 2;
const lengths = [4, 2, 1];
const input = (seed = 1) => randDense([3, 4, F], lengths, seed);

/** Float64 LSTM over one batch entry, from the formulas (not the kernels). */
function reference(
  x: Data,
  p: {
    wx: (f: number, col: number) => number;
    wh: (k: number, col: number) => number;
    b: (col: number) => number;
  },
  order: "jifo" | "ijfo",
  forgetBias: number,
  backward: boolean,
): number[] {
  const [B, T] = [x.dims[0].size, x.dims[1].size];
  const lens = x.dims[1].lengths!;
  const out = new Array<number>(B * T * N).fill(0);
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const col = (gate: "i" | "j" | "f" | "o", k: number) => order.indexOf(gate) * N + k;
  for (let b = 0; b < B; b++) {
    let c = new Array<number>(N).fill(0);
    let h = new Array<number>(N).fill(0);
    for (let s = 0; s < lens[b]; s++) {
      const t = backward ? lens[b] - 1 - s : s;
      const z = (gate: "i" | "j" | "f" | "o", k: number) => {
        let v = p.b(col(gate, k));
        for (let f = 0; f < F; f++) v += x.value.f32[(b * T + t) * F + f] * p.wx(f, col(gate, k));
        for (let q = 0; q < N; q++) v += h[q] * p.wh(q, col(gate, k));
        return v;
      };
      const cNew = c.map((cv, k) => sig(z("f", k) + forgetBias) * cv + sig(z("i", k)) * Math.tanh(z("j", k)));
      h = cNew.map((cv, k) => sig(z("o", k)) * Math.tanh(cv));
      c = cNew;
      for (let k = 0; k < N; k++) out[(b * T + t) * N + k] = h[k];
    }
  }
  return out;
}

function assertNear(actual: Float32Array, expected: number[], tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++)
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `element ${i}: ${actual[i]} vs ${expected[i]}`);
}

for (const direction of [1, -1] as const) {
  test(`rec nativelstm2 (direction ${direction}) computes RETURNN's NativeLstm2 with params rec/W, rec/b, rec/W_re`, () => {
    const params = new ParamStore(3);
    const x = input();
    const y = runLayer("rec", { unit: "nativelstm2", n_out: N, direction }, [x], { params, path: "lstm" });
    assert.deepEqual(
      params.list().map((p) => [p.name, [...p.value.shape]]),
      [
        ["lstm/rec/W", [F, 4 * N]],
        ["lstm/rec/W_re", [N, 4 * N]],
        ["lstm/rec/b", [4 * N]],
      ],
    );
    const [W, Wre, b] = paramTensors(params).map((t) => t.f32);
    assert.ok(
      b.every((v) => v === 0),
      "b starts at 0 (no forget bias)",
    );
    const expected = reference(
      x,
      { wx: (f, c) => W[f * 4 * N + c], wh: (k, c) => Wre[k * 4 * N + c], b: (c) => b[c] },
      "jifo",
      0,
      direction === -1,
    );
    assert.deepEqual(y.value.shape, [3, 4, N]);
    assert.equal(y.dims[1], x.dims[1], "the output keeps the input's time dim");
    assertNear(y.value.f32, expected);
  });
}

test("rec standardlstm computes TF's LSTMCell (gates i,j,f,o, forget_bias 1) with rec/lstm_cell/{kernel,bias}", () => {
  const params = new ParamStore(4);
  const x = input(2);
  const opts = { unit: "StandardLSTM", n_out: N, bias_init: 0.3 };
  const y = runLayer("rec", opts, [x], { params, path: "s" });
  assert.deepEqual(
    params.list().map((p) => [p.name, [...p.value.shape]]),
    [
      ["s/rec/lstm_cell/bias", [4 * N]],
      ["s/rec/lstm_cell/kernel", [F + N, 4 * N]],
    ],
  );
  const [bias, K] = paramTensors(params).map((t) => t.f32);
  const p = {
    wx: (f: number, c: number) => K[f * 4 * N + c],
    wh: (k: number, c: number) => K[(F + k) * 4 * N + c],
    b: (c: number) => bias[c],
  };
  assertNear(y.value.f32, reference(x, p, "ijfo", 1, false));
  const y0 = runLayer("rec", { ...opts, unit_opts: { forget_bias: 0 } }, [x], { params, path: "s" });
  assertNear(y0.value.f32, reference(x, p, "ijfo", 0, false));
});

test("rec NativeLstmLowMem computes NativeLstm2's LSTM with one rec/W [n_in + n, 4n] on concat(x, h) and rec/b", () => {
  const params = new ParamStore(11);
  const x = input(5);
  const y = runLayer("rec", { unit: "NativeLstmLowMem", n_out: N, bias_init: 0.7 }, [x], {
    params,
    path: "m",
  });
  assert.deepEqual(
    params.list().map((p) => [p.name, [...p.value.shape]]),
    [
      ["m/rec/W", [F + N, 4 * N]],
      ["m/rec/b", [4 * N]],
    ],
  );
  const [W, b] = paramTensors(params).map((t) => t.f32);
  assert.ok(
    b.every((v) => v === 0),
    "b starts at 0 whatever bias_init says (RETURNN's zeros initializer)",
  );
  b.set([0.1, -0.2, 0.3, 0.05, -0.4, 0.2, 0.15, -0.1]);
  const y2 = runLayer("rec", { unit: "NativeLstmLowMem", n_out: N }, [x], { params, path: "m" });
  const p = {
    wx: (f: number, c: number) => W[f * 4 * N + c],
    wh: (k: number, c: number) => W[(F + k) * 4 * N + c],
    b: (c: number) => b[c],
  };
  assertNear(y2.value.f32, reference(x, p, "jifo", 0, false));
  assert.notDeepEqual(Array.from(y.value.f32), Array.from(y2.value.f32), "the bias is used");
  layerGradCheck(
    (d) => runLayer("rec", { unit: "nativelstmlowmem", n_out: N }, [d], { params }),
    [x],
    params,
  );
});

test("rec NativeLstmLowMem rejects sparse input, as RETURNN asserts", () => {
  const labels = sparseData([[2, 0, 1]], 4);
  assert.throws(
    () => runLayer("rec", { unit: "NativeLstmLowMem", n_out: N }, [labels]),
    /NativeLstmLowMem needs dense input/,
  );
});

test("rec with an LSTM unit: gradients of inputs and parameters pass central differences", () => {
  for (const unit of ["nativelstm2", "standardlstm"]) {
    for (const direction of [1, -1]) {
      const params = new ParamStore(5);
      const x = input(3);
      layerGradCheck((d) => runLayer("rec", { unit, n_out: N, direction }, [d], { params }), [x], params);
    }
  }
});

test("rnn_cell over a sequence: gradients of inputs and parameters pass central differences", () => {
  const params = new ParamStore(6);
  const x = input(4);
  layerGradCheck((d) => runLayer("rnn_cell", { unit: "LSTMBlock", n_out: N }, [d], { params }), [x], params);
});

test("rec with an LSTM unit: garbage beyond the sequence ends changes no output and no gradient", () => {
  for (const unit of ["lstm", "standardlstm"]) {
    for (const direction of [1, -1]) {
      const params = new ParamStore(6);
      const run = (d: Data) => runLayer("rec", { unit, n_out: N, direction }, [d], { params });
      maskingCheck(run, input(4));
      // Parameter gradients, NaN-filled padding against clean padding, bitwise.
      const paramGrads = (d: Data) =>
        tidy(() => {
          run(d);
          const ps = paramTensors(params);
          const { grads } = valueAndGrads(() => {
            const y = run(d).value;
            return sum(mul(y, y));
          }, ps);
          return grads.map((g) => Array.from(g!.f32));
        });
      const clean = paramGrads(input(4));
      const poisoned = paramGrads(withGarbage(input(4), [Number.NaN]));
      assert.ok(poisoned.flat().every(Number.isFinite));
      assert.deepEqual(poisoned, clean);
    }
  }
});

test("rec nativelstm2 on sparse input looks up rows of W (an embedding), as RETURNN", () => {
  const params = new ParamStore(7);
  const labels = sparseData(
    [
      [2, 0, 1],
      [1, 1],
    ],
    4,
  );
  const y = runLayer("rec", { unit: "nativelstm2", n_out: N }, [labels], { params, path: "l" });
  const oneHot = dataOf(
    Array.from({ length: 2 * 3 * 4 }, (_, i) => {
      const [b, t, c] = [Math.floor(i / 12), Math.floor(i / 4) % 3, i % 4];
      return labels.value.i32[b * 3 + t] === c ? 1 : 0;
    }),
    [labels.dims[0], labels.dims[1], staticDim(4)],
  );
  const dense = runLayer("rec", { unit: "nativelstm2", n_out: N }, [oneHot], { params, path: "l" });
  assertNear(y.value.f32, Array.from(dense.value.f32), 1e-6);
});

test("an LSTM in step-by-step mode carries [c, h] in its layer state and matches the whole sequence", () => {
  for (const [cls, unit] of [
    ["rec", "nativelstm2"],
    ["rnn_cell", "LSTMBlock"],
  ]) {
    const params = new ParamStore(8);
    const x = randDense([2, 3, F], [3, 3], 9);
    const whole = runLayer(cls, { unit, n_out: N }, [x], { params, path: "s" });
    let carried: readonly Tensor[] | undefined;
    const state: LayerState = { get: () => carried, set: (t) => (carried = t) };
    for (let t = 0; t < 3; t++) {
      const frame = dataOf(
        Array.from({ length: 2 * F }, (_, i) => x.value.f32[(Math.floor(i / F) * 3 + t) * F + (i % F)]),
        [batchDim(2), staticDim(F)],
      );
      const y = runLayer(cls, { unit, n_out: N }, [frame], { params, path: "s", rec: { step: t, state } });
      assert.deepEqual(y.value.shape, [2, N]);
      assert.equal(carried?.length, 2);
      for (let b = 0; b < 2; b++)
        for (let k = 0; k < N; k++)
          assert.ok(
            Math.abs(y.value.f32[b * N + k] - whole.value.f32[(b * 3 + t) * N + k]) < 1e-6,
            `${cls} step ${t} entry ${b}`,
          );
    }
  }
});

test("unsupported units and options are one clear error each", () => {
  const x = input();
  assert.throws(
    () => runLayer("rec", { unit: "nativelstm3", n_out: N }, [x]),
    /unsupported unit "nativelstm3".*did you mean "nativelstm/,
  );
  assert.throws(
    () => runLayer("rec", { unit: "gru", n_out: N }, [x]),
    /unsupported unit "gru" .*supported: nativelstm2/,
  );
  assert.throws(
    () => runLayer("rnn_cell", { unit: "nativelstm2", n_out: N }, [x]),
    /native LSTM, which rnn_cell does not support/,
  );
  assert.throws(
    () => runLayer("rec", { unit: "standardlstm", n_out: N, unit_opts: { rec_weight_dropout: 0.1 } }, [x]),
    /unit_opts "rec_weight_dropout" is not supported \(supported: forget_bias\)/,
  );
  assert.throws(
    () => runLayer("rec", { unit: "nativelstm2", n_out: N, unit_opts: { rec_weight_dropout: 1 } }, [x]),
    /unit_opts "rec_weight_dropout" must be a number in \[0, 1\)/,
  );
  assert.throws(
    () =>
      runLayer(
        "rec",
        {
          unit: "nativelstm2",
          n_out: N,
          unit_opts: { rec_weight_dropout: 0.1, rec_weight_dropout_shape: [2, 1] },
        },
        [x],
      ),
    /rec_weight_dropout_shape" must be 2 entries/,
  );
  assert.throws(
    () => runLayer("rec", { unit: "lstm", n_out: N, unit_opts: { forget_bias: 1 } }, [x]),
    /NativeLstm2 supports only forget_bias 0/,
  );
  assert.throws(() => runLayer("rec", { unit: "lstm" }, [x]), /"n_out" is required/);
  const noTime = dataOf([1, 2, 3, 4, 5, 6], [batchDim(2), staticDim(3)]);
  assert.throws(
    () => runLayer("rec", { unit: "lstm", n_out: N }, [noTime]),
    /needs input \[batch, time, feature\]/,
  );
});

test("rec LSTM outputs a new tensor whose padded frames are 0", () => {
  const y = runLayer("rec", { unit: "lstm", n_out: N }, [input(5)]);
  const shortRow = Array.from(y.value.f32.subarray((2 * 4 + 1) * N, (2 * 4 + 4) * N));
  assert.deepEqual(shortRow, new Array(3 * N).fill(0));
  assert.ok(y.value instanceof Tensor);
});

test("get_last_hidden_state gives [c; h] after each sequence's last valid step, with gradients", () => {
  const params = new ParamStore(10);
  const x = input(6);
  const lstm = (d: Data) => runLayer("rec", { unit: "lstm", n_out: N }, [d], { params, path: "enc" });
  const y = lstm(x);
  const state = runLayer("get_last_hidden_state", { n_out: 2 * N }, [y]);
  assert.deepEqual(state.value.shape, [3, 2 * N]);
  // h is the output at each sequence's last valid frame.
  for (let b = 0; b < 3; b++)
    assert.deepEqual(
      Array.from(state.value.f32.subarray(b * 2 * N + N, (b + 1) * 2 * N)),
      Array.from(y.value.f32.subarray((b * 4 + lengths[b] - 1) * N, (b * 4 + lengths[b]) * N)),
    );
  const h = runLayer("get_last_hidden_state", { key: "h", n_out: N }, [y]);
  assert.deepEqual(
    Array.from(h.value.f32),
    Array.from(state.value.f32).filter((_, i) => i % (2 * N) >= N),
  );
  layerGradCheck((d) => runLayer("get_last_hidden_state", { n_out: 2 * N }, [lstm(d)]), [x], params);
  assert.throws(
    () => runLayer("get_last_hidden_state", { n_out: 3 }, [y]),
    /n_out 3 does not match the state size 4/,
  );
  assert.throws(() => runLayer("get_last_hidden_state", { n_out: 3 }, [x]), /is not an LSTM layer/);
});

test("unit_opts rec_weight_dropout (NativeLstm2): in training the LSTM runs with W_re · keyed mask / (1 − p); in evaluation without", () => {
  const x = input(3);
  for (const noiseShape of [undefined, [null, 1]] as const) {
    const opts = {
      unit: "nativelstm2",
      n_out: N,
      unit_opts: { rec_weight_dropout: 0.5, ...(noiseShape ? { rec_weight_dropout_shape: noiseShape } : {}) },
    };
    const params = new ParamStore(7);
    const plain = tidy(() =>
      Array.from(runLayer("rec", { unit: "nativelstm2", n_out: N }, [x], { params, path: "l" }).value.f32),
    );
    const evaluated = tidy(() => Array.from(runLayer("rec", opts, [x], { params, path: "l" }).value.f32));
    assert.deepEqual(evaluated, plain, "no weight dropout in evaluation");
    const trained = tidy(() =>
      Array.from(runLayer("rec", opts, [x], { params, path: "l", train: true, step: 5 }).value.f32),
    );
    // The same mask, drawn as the layer draws it (keyed by layer path, purpose and step), applied by hand.
    const wRe = params.list().find((p) => p.name === "l/rec/W_re")!.value;
    const shape = noiseShape ? [N, 1] : [N, 4 * N];
    const mask = new Float32Array(shape[0] * shape[1]);
    layerContext({ path: "l", train: true, step: 5, params }).dropoutUniform("rec_weight").keepMask!(
      0.5,
      mask,
    );
    const original = Float32Array.from(wRe.f32);
    wRe.f32.forEach((w, i) => {
      wRe.f32[i] = w * mask[noiseShape ? Math.floor(i / (4 * N)) : i];
    });
    const byHand = tidy(() =>
      Array.from(runLayer("rec", { unit: "nativelstm2", n_out: N }, [x], { params, path: "l" }).value.f32),
    );
    wRe.f32.set(original);
    assert.deepEqual(trained, byHand);
    assert.notDeepEqual(trained, plain);
    if (!noiseShape)
      assert.ok(mask.some((m) => m === 0) && mask.some((m) => m === 2), "the mask drops and scales");
  }
});
