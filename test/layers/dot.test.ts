import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/dot.js";
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

// The reference config's cross-attention energy: H=4 heads of k=8 (d=32), T_dec the rec loop axis.
const H = 4;
const k = 8;
const B = batchDim(2);
const Tenc = timeDimOf([3, 2], "T_enc");
const Tdec = timeDimOf([2, 1], "T_dec", true);
const energyOpts = { red1: -1, red2: -1, var1: "T", var2: "T?" };
const key = () => rand([B, Tenc, staticDim(H), staticDim(k)], 1);
const stepQuery = () => rand([B, staticDim(H), staticDim(k)], 2);
const loopQuery = () => rand([B, Tdec, staticDim(H), staticDim(k)], 3);

test("the defaults multiply matrices: red1 -1, red2 -2, var1 -2, var2 -1", () => {
  const a = dataOf([1, 2, 3, 4, 5, 6], [batchDim(1), staticDim(2), staticDim(3)]);
  const b = dataOf([1, 0, 0, 1, 1, 1], [batchDim(1), staticDim(3), staticDim(2)]);
  const y = runLayer("dot", {}, [a, b]);
  assert.deepEqual(y.value.shape, [1, 2, 2]);
  assert.deepEqual(Array.from(y.value.data), [1 + 3, 2 + 3, 4 + 6, 5 + 6]);
});

test("key · query per decoder step gives (B, H, T_enc) energies", () => {
  const kd = key();
  const qd = stepQuery();
  const y = runLayer("dot", energyOpts, [kd, qd]);
  assert.deepEqual(y.value.shape, [2, H, 3]);
  assert.equal(y.dims[0], kd.dims[0]);
  assert.equal(y.dims[1], kd.dims[2]);
  assert.equal(y.dims[2], Tenc);
  const K = kd.value.data;
  const Q = qd.value.data;
  for (let b = 0; b < 2; b++)
    for (let h = 0; h < H; h++)
      for (let t = 0; t < 3; t++) {
        let s = 0;
        for (let i = 0; i < k; i++) s += K[((b * 3 + t) * H + h) * k + i] * Q[(b * H + h) * k + i];
        const got = y.value.data[(b * H + h) * 3 + t];
        if (t < Tenc.lengths![b]) close(got, s);
        else assert.equal(got, 0, "padded encoder frames give 0");
      }
});

test("with the rec loop axis on the query the output is (B, T_dec, H, T_enc)", () => {
  const kd = key();
  const qd = loopQuery();
  const y = runLayer("dot", energyOpts, [kd, qd]);
  assert.deepEqual(y.value.shape, [2, 2, H, 3]);
  assert.equal(y.dims[1], Tdec);
  assert.equal(y.dims[3], Tenc);
  assert.equal(y.loopAxis, 1);
  assert.equal(y.timeAxis, 3);
  const K = kd.value.data;
  const Q = qd.value.data;
  for (let b = 0; b < 2; b++)
    for (let s = 0; s < Tdec.lengths![b]; s++)
      for (let h = 0; h < H; h++)
        for (let t = 0; t < Tenc.lengths![b]; t++) {
          let e = 0;
          for (let i = 0; i < k; i++)
            e += K[((b * 3 + t) * H + h) * k + i] * Q[((b * 2 + s) * H + h) * k + i];
          close(y.value.data[((b * 2 + s) * H + h) * 3 + t], e);
        }
});

test("each decoder step equals the per-step computation on that step's query", () => {
  const kd = key();
  const qd = loopQuery();
  const all = runLayer("dot", energyOpts, [kd, qd]).value.data;
  for (let s = 0; s < 2; s++) {
    const q = qd.value.data;
    const step = dataOf(
      Float32Array.from({ length: 2 * H * k }, (_, i) => {
        const b = Math.floor(i / (H * k));
        return q[(b * 2 + s) * H * k + (i % (H * k))];
      }),
      [B, staticDim(H), staticDim(k)],
    );
    const one = runLayer("dot", energyOpts, [kd, step]).value.data;
    for (let b = 0; b < 2; b++) {
      if (s >= Tdec.lengths![b]) continue; // a padded decoder step
      for (let j = 0; j < H * 3; j++) assert.equal(all[(b * 2 + s) * H * 3 + j], one[b * H * 3 + j]);
    }
  }
});

test("a loop axis on the first source only moves to axis 1 as well", () => {
  const a = rand([B, Tdec, staticDim(H), staticDim(k)], 4);
  const b = key();
  const y = runLayer("dot", { red1: -1, red2: -1, var1: null, var2: "T" }, [a, b]);
  const ref = runLayer("dot", energyOpts, [b, a]);
  assert.deepEqual(y.value.shape, [2, 2, H, 3]);
  assert.deepEqual(Array.from(y.value.data), Array.from(ref.value.data));
});

test("a loop axis on both sources is one common batch-like axis", () => {
  const a = rand([B, Tdec, staticDim(3)], 5);
  const b = rand([B, Tdec, staticDim(3)], 6);
  const y = runLayer("dot", { red1: "F", red2: "F", var1: null, var2: null }, [a, b]);
  assert.deepEqual(y.value.shape, [2, 2]);
  assert.equal(y.dims[1], Tdec);
  for (const r of [0, 1, 2]) {
    // rows b·2 + step; row 3 is batch entry 1's padded step
    let s = 0;
    for (let i = 0; i < 3; i++) s += a.value.data[r * 3 + i] * b.value.data[r * 3 + i];
    close(y.value.data[r], s);
  }
});

test("reducing over a time axis sums only the frames within each sequence", () => {
  const T = timeDimOf([3, 1], "T");
  const a = rand([B, T, staticDim(2)], 7);
  const b = rand([B, T, staticDim(3)], 8);
  const y = runLayer("dot", { red1: "T", red2: "T", var1: "F", var2: "F" }, [a, b]);
  assert.deepEqual(y.value.shape, [2, 2, 3]);
  for (let bb = 0; bb < 2; bb++)
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let t = 0; t < T.lengths![bb]; t++)
          s += a.value.data[(bb * 3 + t) * 2 + i] * b.value.data[(bb * 3 + t) * 3 + j];
        close(y.value.data[(bb * 2 + i) * 3 + j], s);
      }
  maskingCheck((x, z) => runLayer("dot", { red1: "T", red2: "T", var1: "F", var2: "F" }, [x, z]), [a, b]);
});

test("dot passes a finite-difference gradient check (reference shapes, loop axis)", () => {
  layerGradCheck((a, b) => runLayer("dot", energyOpts, [a, b]), [key(), loopQuery()]);
});

test("padded encoder frames and decoder steps never reach valid energies or their gradients", () => {
  maskingCheck((a, b) => runLayer("dot", energyOpts, [a, b]), [key(), loopQuery()]);
});

test("add_var2_if_empty appends a size-1 axis when var2 names nothing", () => {
  const y = runLayer("dot", { ...energyOpts, add_var2_if_empty: true }, [key(), stepQuery()]);
  assert.deepEqual(y.value.shape, [2, H, 3, 1]);
});

test("option errors name the layer and the problem", () => {
  const run = (opts: Record<string, unknown>, inputs: Data[]) => () =>
    runLayer("dot", opts, inputs, { path: "output/dec_01_att_energy" });
  const startsWithPath = (e: Error) =>
    e instanceof ReproError && e.message.startsWith("output/dec_01_att_energy:");
  assert.throws(
    run(energyOpts, [key()]),
    (e: Error) => startsWithPath(e) && /exactly 2 sources/.test(e.message),
  );
  assert.throws(
    run({ ...energyOpts, var1: "T" }, [stepQuery(), key()]),
    (e: Error) => startsWithPath(e) && /"var1"/.test(e.message),
  );
  assert.throws(
    run({ ...energyOpts, red2: "dim:4", var2: null }, [key(), key()]),
    (e: Error) => startsWithPath(e) && /reduced axes differ/.test(e.message),
  );
  const other = rand([B, Tenc, staticDim(H + 1), staticDim(k)], 9);
  assert.throws(run(energyOpts, [key(), other]), /must match as common axes/);
  assert.throws(run({ ...energyOpts, red1: "B" }, [key(), stepQuery()]), /batch axis/);
  assert.throws(run({ ...energyOpts, var1: -1 }, [key(), stepQuery()]), /name the same axis/);
  assert.throws(run({ ...energyOpts, red1: 1.5 }, [key(), stepQuery()]), /red1/);
});
