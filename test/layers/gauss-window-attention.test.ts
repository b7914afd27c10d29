import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/gauss-window-attention.js";
import { batchDim, type Data, staticDim } from "../../src/network/data.js";
import { dataOf, layerGradCheck, randData, runLayer, timeDimOf } from "../helpers/layer-harness.js";

const opts = { base: "base:enc", window_size: 3 };
const gauss = (d: number) => Math.exp(-(d * d) / 2) / Math.sqrt(2 * Math.PI);

function attend(loc: Data, base: Data, extra: Record<string, unknown> = {}): Data {
  return runLayer("gauss_window_attention", { ...opts, ...extra }, [loc], {
    path: "dec/att",
    resolve: (name) => {
      if (name !== "base:enc") throw new Error(`no layer ${name}`);
      return base;
    },
  });
}

// One sequence of 4 frames (lengths 4), features [10·t, 10·t + 1].
const T = () => timeDimOf([4], "T_enc");
const base = () => dataOf([0, 1, 10, 11, 20, 21, 30, 31], [batchDim(1), T(), staticDim(2)]);
const at = (t: number) => dataOf([t], [batchDim(1), staticDim(1)]);

test("a hand-checkable window: t = 1.2 weighs frames 0, 1, 2 by the Gaussian of their distance", () => {
  const y = attend(at(1.2), base());
  assert.deepEqual(y.value.shape, [1, 2]);
  const w = [0, 1, 2].map((i) => gauss(1.2 - i));
  const want = [0, 1].map((f) => w.reduce((s, wi, i) => s + wi * (10 * i + f), 0));
  for (let f = 0; f < 2; f++)
    assert.ok(Math.abs(y.value.f32[f] - want[f]) < 1e-5, `${y.value.f32[f]} vs ${want[f]}`);
});

test("frames outside the sequence are read clipped (first/last valid frame) but weighed at their own distance", () => {
  const y = attend(at(0), base()); // window frames −1, 0, 1 → read 0, 0, 1
  const want = [0, 1].map((f) => gauss(1) * f + gauss(0) * f + gauss(1) * (10 + f));
  for (let f = 0; f < 2; f++) assert.ok(Math.abs(y.value.f32[f] - want[f]) < 1e-5);
  // Two sequences of lengths 4 and 2: at t = 3 the second one reads frames 2, 3, 4 as its frame 1.
  const two = dataOf(
    [0, 1, 10, 11, 20, 21, 30, 31, 0, 1, 10, 11, 99, 99, 99, 99],
    [batchDim(2), timeDimOf([4, 2], "T2"), staticDim(2)],
  );
  const z = attend(dataOf([3, 3], [batchDim(2), staticDim(1)]), two);
  const sum = gauss(1) + gauss(0) + gauss(1);
  assert.ok(Math.abs(z.value.f32[2] - 10 * sum) < 1e-5, `${z.value.f32[2]} vs ${10 * sum}`);
});

test("t rounds half to even (tf.round): t = 2.5 centres the window on frame 2", () => {
  const y = attend(at(2.5), base());
  const want = [1, 2, 3].reduce((s, i) => s + gauss(2.5 - i) * 10 * i, 0);
  assert.ok(Math.abs(y.value.f32[0] - want) < 1e-5);
});

test("inner_size gives [B, inner_size, F] at offsets i·inner_size_step − inner_size/2", () => {
  const y = attend(at(1), base(), { inner_size: 2, inner_size_step: 1 });
  assert.deepEqual(y.value.shape, [1, 2, 2]);
  // Offsets −1 and 0: the first row is the window at t = 0 (frames 0..2, weights of 1 − i − 1).
  const row0 = [0, 1, 2].reduce((s, i) => s + gauss(1 - 1 - i) * 10 * i, 0);
  assert.ok(Math.abs(y.value.f32[0] - row0) < 1e-5);
});

test("gauss_window_attention passes a finite-difference gradient check in t and the base (gradcheck layer:gauss_window_attention)", () => {
  const Td = timeDimOf([5, 3], "T");
  const b = randData([batchDim(2), Td, staticDim(3)], 1);
  const loc = dataOf([1.3, 0.8], [batchDim(2), staticDim(1)]);
  layerGradCheck((l, v) => attend(l, v, { window_size: 4, inner_size: 2 }), [loc, b]);
});

test("a location that is not [batch] or [batch, 1], or a base that is not [batch, time, feature], is an error", () => {
  assert.throws(
    () => attend(dataOf([1, 2], [batchDim(1), staticDim(2)]), base()),
    /dec\/att: the source \(the location t\) must be \[batch\] or \[batch, 1\]/,
  );
  assert.throws(
    () => attend(at(1), dataOf([1, 2], [batchDim(1), staticDim(2)])),
    /dec\/att: the base must be \[batch, time, feature\]/,
  );
});
