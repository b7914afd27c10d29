import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/conv.js";
import { batchDim, type Data, staticDim } from "../../src/network/data.js";
import { ParamStore } from "../../src/network/params.js";
import { ReproError } from "../../src/util/errors.js";
import {
  assertClose,
  layerGradCheck,
  maskingCheck,
  randData,
  randDense,
  runLayer,
  timeDimOf,
} from "../helpers/layer-harness.js";

/** Naive TF-style 1-D cross-correlation of one channel-last sequence [T, C] with W [k, C, O]. */
function naiveConv1d(
  x: (t: number, c: number) => number,
  T: number,
  C: number,
  w: Float32Array,
  k: number,
  O: number,
  o: { stride: number; dilation: number; padLeft: number; count: number },
): number[] {
  const out: number[] = [];
  for (let p = 0; p < o.count; p++) {
    for (let f = 0; f < O; f++) {
      let s = 0;
      for (let j = 0; j < k; j++) {
        const t = p * o.stride + j * o.dilation - o.padLeft;
        if (t < 0 || t >= T) continue;
        for (let c = 0; c < C; c++) s += x(t, c) * w[(j * C + c) * O + f];
      }
      out.push(s);
    }
  }
  return out;
}

const weight = (params: ParamStore, name: string) => params.list().find((p) => p.name === name)!.value.f32;

test("1-D same conv with stride 2 and dilation 2 matches a naive loop; lengths become ⌈L/2⌉", () => {
  const x = randDense([2, 7, 3], [7, 4], 1);
  const params = new ParamStore(42);
  const y = runLayer(
    "conv",
    { filter_size: [3], padding: "same", strides: 2, dilation_rate: 2, n_out: 2 },
    [x],
    { params },
  );
  assert.deepEqual(y.value.shape, [2, 4, 2]);
  assert.deepEqual(Array.from(y.dims[1].lengths!), [4, 2]);
  // TF SAME on T_max = 7: out 4, pad_total = 3·2 + 5 − 7 = 4, left 2.
  const w = weight(params, "layer/W");
  const xv = x.value.f32;
  for (let b = 0; b < 2; b++) {
    const len = x.dims[1].lengths![b];
    const get = (t: number, c: number) => (t < len ? xv[(b * 7 + t) * 3 + c] : 0);
    const expected = naiveConv1d(get, 7, 3, w, 3, 2, { stride: 2, dilation: 2, padLeft: 2, count: 4 });
    assertClose(Array.from(y.value.f32.subarray(b * 8, b * 8 + 8)), expected, 1e-5);
  }
});

test("valid padding shortens each sequence by (k−1)·d", () => {
  const y = runLayer("conv", { filter_size: [3], padding: "valid", n_out: 4 }, [
    randDense([2, 6, 2], [6, 3], 2),
  ]);
  assert.deepEqual(y.value.shape, [2, 4, 4]);
  assert.deepEqual(Array.from(y.dims[1].lengths!), [4, 1]);
});

test("2-D conv with input_add_feature_dim: (B, T, 5) → (B, T, 5, n_out), matching a naive 3×3 loop", () => {
  const x = randDense([1, 4, 5], [4], 3);
  const params = new ParamStore(42);
  const y = runLayer(
    "conv",
    {
      filter_size: [3, 3],
      padding: "same",
      n_out: 2,
      input_add_feature_dim: true,
      with_bias: true,
      bias_init: 0.5,
    },
    [x],
    { params },
  );
  assert.deepEqual(y.value.shape, [1, 4, 5, 2]);
  const w = weight(params, "layer/W"); // [3, 3, 1, 2]
  const xv = x.value.f32;
  const expected: number[] = [];
  for (let t = 0; t < 4; t++) {
    for (let f = 0; f < 5; f++) {
      for (let o = 0; o < 2; o++) {
        let s = 0.5;
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) {
            const tt = t + i - 1;
            const ff = f + j - 1;
            if (tt >= 0 && tt < 4 && ff >= 0 && ff < 5) s += xv[tt * 5 + ff] * w[(i * 3 + j) * 2 + o];
          }
        }
        expected.push(s);
      }
    }
  }
  assertClose(y.value, expected, 1e-5);
});

test("input_split_feature_dim splits F into (F/n spatial, n channels)", () => {
  const y = runLayer(
    "conv",
    { filter_size: [1, 2], padding: "valid", n_out: 3, input_split_feature_dim: 2 },
    [randDense([2, 3, 6], [3, 2], 4)],
  );
  assert.deepEqual(y.value.shape, [2, 3, 2, 3]);
  assert.equal(y.dims[2].kind, "static");
});

test("the parameters are W = filter_size + [n_in, n_out] and bias [n_out] (with_bias defaults to false)", () => {
  const params = new ParamStore(42);
  runLayer(
    "conv",
    { filter_size: [2, 3], padding: "same", n_out: 4, input_add_feature_dim: true },
    [randDense([1, 3, 5], [3], 5)],
    { params },
  );
  assert.deepEqual(
    params.list().map((p) => [p.name, p.value.shape]),
    [["layer/W", [2, 3, 1, 4]]],
  );
  const withBias = new ParamStore(42);
  runLayer(
    "conv",
    { filter_size: [2], padding: "same", n_out: 4, with_bias: true },
    [randDense([1, 3, 5], [3], 5)],
    { params: withBias },
  );
  assert.deepEqual(
    withBias.list().map((p) => p.name),
    ["layer/W", "layer/bias"],
  );
});

test("conv passes a finite-difference gradient check (input, W, bias)", () => {
  const params = new ParamStore(42);
  const opts = {
    filter_size: [2, 2],
    padding: "same",
    strides: [2, 1],
    n_out: 2,
    with_bias: true,
    input_add_feature_dim: true,
  };
  layerGradCheck((d) => runLayer("conv", opts, [d], { params }), [randDense([2, 5, 3], [5, 3], 6)], params);
});

test("padded frames never reach valid outputs or gradients", () => {
  const params = new ParamStore(42);
  const run = (d: Data) =>
    runLayer("conv", { filter_size: [3], padding: "same", n_out: 2, with_bias: true }, [d], { params });
  maskingCheck(run, randDense([2, 5, 3], [5, 2], 7));
});

test("bad filter shapes are one-line errors naming the layer", () => {
  const x = randData([batchDim(1), timeDimOf([4]), staticDim(3)], 8);
  const isOurs = (re: RegExp) => (e: unknown) =>
    e instanceof ReproError && e.message.startsWith("layer:") && re.test(e.message);
  assert.throws(
    () => runLayer("conv", { filter_size: [3, 3], padding: "same", n_out: 2 }, [x]),
    isOurs(/2 spatial axes expected/),
  );
  assert.throws(
    () => runLayer("conv", { filter_size: [5], padding: "valid", n_out: 2 }, [x]),
    isOurs(/shorter than the window/),
  );
  assert.throws(() => runLayer("conv", { filter_size: [3], padding: "same" }, [x]), isOurs(/n_out/));
  assert.throws(
    () => runLayer("conv", { filter_size: [3], padding: "same", n_out: 2, strides: [1, 2] }, [x]),
    isOurs(/"strides" needs 1 entries/),
  );
});
