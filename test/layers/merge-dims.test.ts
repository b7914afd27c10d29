import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/merge-dims.js";
import { batchDim, type Data, staticDim } from "../../src/network/data.js";
import { ReproError } from "../../src/util/errors.js";
import {
  dataOf,
  layerGradCheck,
  maskingCheck,
  randData as rand,
  runLayer,
  timeDimOf,
} from "../helpers/layer-harness.js";

const B = batchDim(2);
const Tdec = timeDimOf([2, 1], "T_dec", true);
const T = timeDimOf([3, 2], "T");
const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

test('the reference attention output: (B, T_dec loop, 4, 8) with "static" → (B, T_dec, 32)', () => {
  const x = rand([B, Tdec, staticDim(4), staticDim(8)], 1);
  const y = runLayer("merge_dims", { axes: "static" }, [x]);
  assert.deepEqual(y.value.shape, [2, 2, 32]);
  assert.equal(y.dims[1], Tdec);
  assert.equal(y.featureAxis, 2);
  assert.deepEqual(Array.from(y.value.data), Array.from(x.value.data));
});

test("per step: (B, H, k) → (B, H·k)", () => {
  const y = runLayer("merge_dims", { axes: "static" }, [rand([B, staticDim(4), staticDim(8)], 2)]);
  assert.deepEqual(y.value.shape, [2, 32]);
});

test("merging the feature axis with an earlier static axis keeps the result last, the first axis slowest", () => {
  const x = dataOf(iota(2 * 2 * 3 * 3), [B, staticDim(2), T, staticDim(3)]);
  const y = runLayer("merge_dims", { axes: ["dim:2", "F"] }, [x]);
  assert.deepEqual(y.value.shape, [2, 3, 6]);
  assert.equal(y.dims[1], T);
  // y[b, t, i·3 + j] = x[b, i, t, j]
  for (let b = 0; b < 2; b++)
    for (let t = 0; t < 3; t++)
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 3; j++)
          assert.equal(
            y.value.data[(b * 3 + t) * 6 + i * 3 + j],
            x.value.data[((b * 2 + i) * 3 + t) * 3 + j],
          );
});

test("merged non-feature axes sit where the first of them was", () => {
  const x = dataOf(iota(2 * 2 * 3 * 4), [B, staticDim(2), staticDim(3), staticDim(4)]);
  const y = runLayer("merge_dims", { axes: ["static:1", "static:0"] }, [x]);
  assert.deepEqual(y.value.shape, [2, 6, 4]);
  assert.deepEqual(Array.from(y.value.data), Array.from(x.value.data));
});

test("a single axis is left as it is", () => {
  const x = rand([B, T, staticDim(3)], 3);
  assert.equal(runLayer("merge_dims", { axes: "static" }, [x]), x);
});

test("merge_dims passes a finite-difference gradient check", () => {
  layerGradCheck(
    (x) => runLayer("merge_dims", { axes: ["dim:2", "F"] }, [x]),
    [rand([B, staticDim(2), T, staticDim(3)], 4)],
  );
});

test("combine_dims (RETURNN's deprecated name) is merge_dims: same values, same gradient check", () => {
  const x = rand([B, staticDim(2), T, staticDim(3)], 4);
  const merged = runLayer("merge_dims", { axes: ["dim:2", "F"] }, [x]);
  assert.deepEqual(
    runLayer("combine_dims", { axes: ["dim:2", "F"] }, [x]).value.toArray(),
    merged.value.toArray(),
  );
  layerGradCheck((d) => runLayer("combine_dims", { axes: ["dim:2", "F"] }, [d]), [x]);
});

test("padded frames reach no valid frame", () => {
  maskingCheck(
    (x) => runLayer("merge_dims", { axes: ["dim:2", "F"] }, [x]),
    rand([B, staticDim(2), T, staticDim(3)], 5),
  );
});

test("option errors name the layer", () => {
  const x = rand([B, T, staticDim(3)], 6);
  const run =
    (opts: Record<string, unknown>, d: Data = x) =>
    () =>
      runLayer("merge_dims", opts, [d], { path: "att" });
  const isOurs = (re: RegExp) => (e: Error) =>
    e instanceof ReproError && e.message.startsWith("att:") && re.test(e.message);
  assert.throws(run({ axes: ["T", "F"] }), isOurs(/only merge static axes/));
  assert.throws(run({ axes: "static" }, rand([B, T], 7)), isOurs(/names no axis/));
  assert.throws(run({ axes: "dim:7" }), isOurs(/"axes"/));
  assert.throws(run({}), isOurs(/axes/));
});
