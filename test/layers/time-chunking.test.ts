import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/time-chunking.js";
import { chunkCount } from "../../src/layers/time-chunking.js";
import { batchDim, Data, staticDim } from "../../src/network/data.js";
import * as ops from "../../src/tensor/ops/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import {
  dataOf,
  layerGradCheck,
  randData,
  runLayer,
  sparseData,
  timeDimOf,
} from "../helpers/layer-harness.js";

const chunkOpts = { chunk_size: 3, chunk_step: 2 };

/** Two sequences of lengths 5 and 3, frame t of sequence b = [10b + t, 10b + t + 0.5]. */
function input(): Data {
  const v: number[] = [];
  for (let b = 0; b < 2; b++) for (let t = 0; t < 5; t++) v.push(10 * b + t, 10 * b + t + 0.5);
  return dataOf(v, [batchDim(2), timeDimOf([5, 3], "T"), staticDim(2)]);
}

function unchunk(chunked: Data, y: Data): Data {
  return runLayer("time_unchunking", { chunking_layer: "in" }, [y], {
    path: "out",
    resolve: (name) => {
      if (name !== "in") throw new Error(`no layer ${name}`);
      return chunked;
    },
  });
}

test("chunk counts as RETURNN's native Chunking documents (size 50, step 10)", () => {
  const T = [1, 49, 50, 51, 60, 61, 99, 100, 101];
  assert.deepEqual(
    T.map((t) => chunkCount(t, 50, 10)),
    [1, 1, 1, 2, 2, 3, 6, 6, 7],
  );
});

test("time_chunking: chunk c of sequence b is batch entry b·n + c, frames step·c …, length what lies in the sequence", () => {
  const x = runLayer("time_chunking", chunkOpts, [input()]);
  assert.deepEqual(x.value.shape, [4, 3, 2]);
  assert.deepEqual(Array.from(x.dims[1].lengths!), [3, 3, 3, 1]);
  const firstFeature = Array.from({ length: 12 }, (_, i) => x.value.f32[i * 2]);
  assert.deepEqual(firstFeature, [0, 1, 2, 2, 3, 4, 10, 11, 12, 12, 0, 0]);
});

test("time_unchunking averages the chunks that hold a frame, and gives back the input's dims", () => {
  const src = input();
  const chunked = runLayer("time_chunking", chunkOpts, [src]);
  const back = unchunk(chunked, chunked);
  assert.equal(back.dims[0], src.dims[0]);
  assert.equal(back.dims[1], src.dims[1]);
  // Valid frames come back unchanged; padding is 0.
  const want = Array.from(src.value.f32, (v, i) => (Math.floor(i / 10) === 1 && i % 10 >= 6 ? 0 : v));
  assert.deepEqual(Array.from(back.value.f32), want);
  // Chunk outputs = their chunk index: frame 2 of sequence 0 (in chunks 0 and 1) gets the mean 0.5.
  const marks = new Data(
    new Tensor(
      chunked.value.shape,
      Float32Array.from({ length: 24 }, (_, i) => Math.floor(i / 6) % 2),
    ),
    chunked.dims,
  );
  const mean = unchunk(chunked, marks);
  assert.deepEqual(
    Array.from({ length: 5 }, (_, t) => mean.value.f32[t * 2]),
    [0, 0, 0.5, 1, 1],
  );
});

test("time_chunking and time_unchunking pass a finite-difference gradient check (gradcheck layer:time_chunking layer:time_unchunking)", () => {
  const x = randData([batchDim(2), timeDimOf([5, 4], "T"), staticDim(2)], 3);
  // Chunk-dependent weights ([B·n, C, F] = [4, 3, 2]), so overlapping chunks differ and the averaging counts.
  const w = randData([batchDim(4), timeDimOf([3], "c"), staticDim(2)], 4).value;
  layerGradCheck(
    (d) => {
      const chunked = runLayer("time_chunking", chunkOpts, [d]);
      return unchunk(chunked, new Data(ops.mul(chunked.value, w), chunked.dims));
    },
    [x],
  );
});

test("a chunking_layer that is not time_chunking, or sparse input, is an error naming it", () => {
  assert.throws(
    () => unchunk(input(), input()),
    /out: option "chunking_layer": "in" is not a time_chunking layer/,
  );
  const sparse = sparseData([[1, 2]], 5);
  assert.throws(
    () => runLayer("time_chunking", chunkOpts, [sparse], { path: "in" }),
    /in: time_chunking needs dense/,
  );
});
