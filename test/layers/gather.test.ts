import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/gather.js";
import { layerClass } from "../../src/layers/registry.js";
import { batchDim, Data, type Dim, staticDim } from "../../src/network/data.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { ReproError } from "../../src/util/errors.js";
import {
  dataOf,
  layerGradCheck,
  maskingCheck,
  randData as rand,
  runLayer,
  timeDimOf,
} from "../helpers/layer-harness.js";

const ints = (values: number[], dims: readonly Dim[]) =>
  new Data(
    new Tensor(
      dims.map((d) => d.size),
      Int32Array.from(values),
    ),
    dims,
  );
const B = batchDim(2);
const Tenc = timeDimOf([3, 2], "T_enc");
const Tdec = timeDimOf([2, 1], "T_dec", true);
const weights = () => rand([B, Tdec, staticDim(4), Tenc], 1); // (B, T_dec, H=4, T_enc)
const withPositions = (pos: Data) => ({
  resolve: (name: string) => (name === "pos" ? pos : assert.fail(name)),
});

test('axis "dim:4" with position 2 picks head 2 of the weights: (B, T_dec, 4, T_enc) → (B, T_dec, T_enc)', () => {
  const w = weights();
  const y = runLayer("gather", { axis: "dim:4", position: 2 }, [w]);
  assert.deepEqual(y.value.shape, [2, 2, 3]);
  assert.deepEqual(y.dims, [w.dims[0], Tdec, Tenc]);
  for (let r = 0; r < 4; r++)
    for (let t = 0; t < 3; t++) assert.equal(y.value.data[r * 3 + t], w.value.data[(r * 4 + 2) * 3 + t]);
});

test("a negative position counts from the end", () => {
  const w = weights();
  const last = runLayer("gather", { axis: "dim:4", position: -1 }, [w]);
  const three = runLayer("gather", { axis: "dim:4", position: 3 }, [w]);
  assert.deepEqual(Array.from(last.value.data), Array.from(three.value.data));
});

test("a position layer picks one index per batch entry", () => {
  const x = dataOf([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15], [B, staticDim(3), staticDim(2)]);
  const y = runLayer("gather", { axis: "static:0", position: "pos" }, [x], withPositions(ints([2, 0], [B])));
  assert.deepEqual(y.value.shape, [2, 2]);
  assert.deepEqual(Array.from(y.value.data), [4, 5, 10, 11]);
});

test("a position layer with the loop axis picks per batch entry and decoder step", () => {
  const w = weights();
  const pos = ints([1, 3, 0, 2], [B, Tdec]);
  const y = runLayer("gather", { axis: "dim:4", position: "pos" }, [w], withPositions(pos));
  assert.deepEqual(y.value.shape, [2, 2, 3]);
  assert.deepEqual(y.dims, [w.dims[0], Tdec, Tenc]);
  [1, 3, 0, 2].forEach((h, r) => {
    for (let t = 0; t < 3; t++) assert.equal(y.value.data[r * 3 + t], w.value.data[(r * 4 + h) * 3 + t]);
  });
});

test("a position layer is declared as a dependency; an integer is not", () => {
  const def = layerClass("gather", "t");
  assert.deepEqual(def.refs?.({ position: "pos" } as never), ["pos"]);
  assert.deepEqual(def.refs?.({ position: 1 } as never), []);
});

test("gather passes a finite-difference gradient check", () => {
  layerGradCheck((x) => runLayer("gather", { axis: "dim:4", position: 1 }, [x]), [weights()]);
  const pos = ints([1, 3, 0, 2], [B, Tdec]);
  layerGradCheck(
    (x) => runLayer("gather", { axis: "dim:4", position: "pos" }, [x], withPositions(pos)),
    [weights()],
  );
});

test("padded frames reach no valid frame", () => {
  maskingCheck((x) => runLayer("gather", { axis: "dim:4", position: 1 }, [x]), weights());
});

test("errors name the layer", () => {
  const isOurs = (re: RegExp) => (e: Error) =>
    e instanceof ReproError && e.message.startsWith("g:") && re.test(e.message);
  const run = (opts: Record<string, unknown>, pos?: Data) => () =>
    runLayer("gather", opts, [weights()], { path: "g", ...(pos ? withPositions(pos) : {}) });
  assert.throws(run({ axis: "dim:4", position: 4 }), isOurs(/out of range/));
  assert.throws(run({ axis: "dim:4", position: -5 }), isOurs(/out of range/));
  assert.throws(run({ axis: "B", position: 0 }), isOurs(/batch axis/));
  assert.throws(
    run({ axis: "dim:4", position: "pos" }, ints([1, 4], [B])),
    isOurs(/position 4 .* out of range/),
  );
  assert.throws(run({ axis: "dim:4", position: "pos" }, rand([B], 2)), isOurs(/int32/));
  assert.throws(
    run({ axis: "dim:4", position: "pos" }, ints([0, 0, 0, 0, 0, 0], [B, timeDimOf([3, 2], "T_other")])),
    isOurs(/not an axis of the input/),
  );
  assert.throws(run({ axis: "dim:4", position: 1.5 }), isOurs(/position/));
});
