import assert from "node:assert/strict";
import { test } from "node:test";
import { positionalSignal } from "../../src/layers/positional-encoding.js";
import { batchDim, type Data, staticDim } from "../../src/network/data.js";
import { ReproError } from "../../src/util/errors.js";
import {
  dataOf,
  layerGradCheck,
  maskingCheck,
  randData as rand,
  runLayer,
  sparseData,
  timeDimOf,
} from "../helpers/layer-harness.js";

const f32 = Math.fround;
const B = batchDim(2);
const T = timeDimOf([3, 2], "T");
const Tdec = timeDimOf([3, 2], "T_dec", true);
const add = { add_to_input: true };

test("4 channels: [sin p, sin(p·1e-4), cos p, cos(p·1e-4)] (timescales 1 and 1e4)", () => {
  const s = positionalSignal([0, 1, 2], 4);
  const want = [0, 1, 2].flatMap((p) => [
    Math.sin(p),
    Math.sin(f32(p * f32(1e-4))),
    Math.cos(p),
    Math.cos(f32(p * f32(1e-4))),
  ]);
  want.forEach((w, i) => {
    assert.ok(Math.abs(s[i] - w) < 1e-7, `${i}: ${s[i]} vs ${w}`);
  });
});

test("inverse timescales fall geometrically from 1 to 1e-4 over the channels", () => {
  // With 8 channels: inv_i = 1e4^(−i/3); position 1 gives sin(inv_i) in channel i.
  const s = positionalSignal([1], 8);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(s[i] - Math.sin(10 ** (-4 * (i / 3)))) < 1e-6);
});

test("an odd channel count leaves the last channel 0", () => {
  const s = positionalSignal([5], 5);
  assert.equal(s[4], 0);
  assert.ok(Math.abs(s[0] - Math.sin(5)) < 1e-6);
});

test("add_to_input adds the signal along the time axis and keeps the dims", () => {
  const x = rand([B, T, staticDim(4)], 1);
  const y = runLayer("positional_encoding", add, [x]);
  assert.deepEqual(y.dims, x.dims);
  const s = positionalSignal([0, 1, 2], 4);
  for (let b = 0; b < 2; b++)
    for (let i = 0; i < 12; i++) assert.equal(y.value.data[b * 12 + i], f32(x.value.data[b * 12 + i] + s[i]));
});

test("without add_to_input it outputs n_out channels in place of the feature axis", () => {
  const x = rand([B, T, staticDim(4)], 2);
  const y = runLayer("positional_encoding", { n_out: 6 }, [x]);
  assert.deepEqual(y.value.shape, [2, 3, 6]);
  assert.equal(y.dims[1], T);
  const s = positionalSignal([0, 1, 2], 6);
  assert.deepEqual(Array.from(y.value.data), [...s, ...s]);
});

test("a sparse input gets the signal as its new feature axis", () => {
  const y = runLayer("positional_encoding", { n_out: 4 }, [sparseData([[1, 2, 3], [4]], 5)]);
  assert.deepEqual(y.value.shape, [2, 3, 4]);
});

test("inside a rec unit in training positions run along the loop axis (0..T−1)", () => {
  const x = rand([B, Tdec, staticDim(4)], 3);
  const y = runLayer("positional_encoding", add, [x], { rec: {} });
  const s = positionalSignal([0, 1, 2], 4);
  for (let b = 0; b < 2; b++)
    for (let i = 0; i < 12; i++) assert.equal(y.value.data[b * 12 + i], f32(x.value.data[b * 12 + i] + s[i]));
});

test("step-by-step search gives each step what training gives that step", () => {
  const x = rand([B, Tdec, staticDim(4)], 4);
  const all = runLayer("positional_encoding", add, [x], { rec: {} }).value.data;
  for (let step = 0; step < 3; step++) {
    const one = dataOf(
      [0, 1].flatMap((b) => Array.from(x.value.data.slice((b * 3 + step) * 4, (b * 3 + step + 1) * 4))),
      [B, staticDim(4)],
    );
    const y = runLayer("positional_encoding", add, [one], { rec: { step } }).value.data;
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < 4; i++) assert.equal(y[b * 4 + i], all[(b * 3 + step) * 4 + i]);
  }
});

test("positional_encoding passes a finite-difference gradient check", () => {
  layerGradCheck((x) => runLayer("positional_encoding", add, [x]), [rand([B, T, staticDim(4)], 5)]);
  layerGradCheck(
    (x) => runLayer("positional_encoding", add, [x], { rec: {} }),
    [rand([B, Tdec, staticDim(4)], 6)],
  );
});

test("padded frames reach no valid frame", () => {
  maskingCheck((x) => runLayer("positional_encoding", add, [x]), rand([B, T, staticDim(4)], 7));
  maskingCheck(
    (x) => runLayer("positional_encoding", add, [x], { rec: {} }),
    rand([B, Tdec, staticDim(4)], 8),
  );
});

test("option errors name the layer", () => {
  const isOurs = (re: RegExp) => (e: Error) =>
    e instanceof ReproError && e.message.startsWith("pe:") && re.test(e.message);
  const run = (opts: Record<string, unknown>, x: Data, rec?: { step?: number }) => () =>
    runLayer("positional_encoding", opts, [x], { path: "pe", rec });
  const x = rand([B, T, staticDim(4)], 9);
  assert.throws(run({}, x), isOurs(/"n_out" is required/));
  assert.throws(run({ add_to_input: true, n_out: 8 }, x), isOurs(/differs/));
  assert.throws(run(add, rand([B, staticDim(4)], 10)), isOurs(/needs a time axis/));
  assert.throws(run(add, x, {}), isOurs(/needs the loop axis/));
  assert.throws(run(add, sparseData([[1]], 3)), isOurs(/feature axis/));
  assert.throws(run({ add_to_input: "yes" }, x), isOurs(/add_to_input/));
});
