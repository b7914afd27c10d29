import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { Dataset } from "../../src/data/index.js";
import { makeBatch, SyntheticDataset } from "../../src/data/index.js";
import { buildNetwork } from "../../src/network/network.js";
import { peakTensorBytes } from "../../src/tensor/meter.js";
import { GradAccumulator } from "../../src/train/accumulate.js";
import {
  batchShapes,
  estimateStepMemory,
  fitStepModel,
  measureStep,
  memoryLine,
  modelBytes,
} from "../../src/train/memory.js";
import { parseTrainSettings } from "../../src/train/settings.js";
import { forwardBackward } from "../../src/train/step.js";

/** How far above a real step's measured peak the estimate may be (stated in src/train/memory.ts). */
const K = 2;

test("the step model recovers a step whose bytes are fixed(T) + B·perSeq(T), both quadratic", () => {
  const m = fitStepModel((s) => [
    1000 + 3 * s.time * s.time + s.batch * (50 + 7 * s.time + 0.5 * s.time * s.time),
  ]);
  assert.deepEqual(m, { fixed: { a: 1000, b: 0, c: 3 }, perSeq: { a: 50, b: 7, c: 0.5 } });
});

test("the step model covers every measurement when the bytes grow slower than a line", () => {
  const measure = (s: { batch: number; time: number }) =>
    300 * Math.sqrt(s.time) + s.batch * 40 * Math.sqrt(s.time);
  const m = fitStepModel((s) => [measure(s)]);
  assert.equal(m.perSeq.c, 0);
  assert.equal(m.fixed.c, 0);
  for (const batch of [2, 3])
    for (const time of [24, 48, 72])
      assert.ok(modelBytes(m, { batch, time }) >= measure({ batch, time }), `B=${batch}, T=${time}`);
});

test("the step model covers a peak that moves to another point of the step at longer sequences", () => {
  // Framewise bytes peak first; beyond T = 1000 the attention-like point (B·T²) takes over.
  const trace = (s: { batch: number; time: number }) => [1000 * s.batch * s.time, s.batch * s.time ** 2];
  const m = fitStepModel(trace);
  for (const shape of [
    { batch: 1, time: 5000 },
    { batch: 7, time: 300 },
  ])
    assert.ok(modelBytes(m, shape) >= Math.max(...trace(shape)), JSON.stringify(shape));
});

test("when the number of buffers depends on the shape (a loop over time), the peaks are fitted", () => {
  const m = fitStepModel((s) => new Array(s.time).fill(0).concat([s.batch * 10 * s.time]));
  assert.deepEqual(m, { fixed: { a: 0, b: 0, c: 0 }, perSeq: { a: 0, b: 10, c: 0 } });
});

/** A dataset of the given sequence lengths (one key). */
const lengthsDataset = (lens: number[]): Dataset => ({
  where: "test",
  numSeqs: lens.length,
  keys: [{ name: "data", sparse: true, dim: 5 }],
  sortKey: "data",
  get: () => ({}),
  lengths: (i) => ({ data: lens[i] }),
});

test("the batch shapes are the largest batch_size, max_seqs and max_seq_length allow per longest length", () => {
  const ds = lengthsDataset([10, 3, 50, 3, 200, 10]);
  const o = {
    batchSize: 40,
    maxSeqs: 3,
    maxSeqLength: 100,
    seqOrdering: { kind: "default" },
    partitionEpoch: 1,
    seed: 1,
    name: "train",
  } as const;
  // 3 frames: both 3-frame sequences; 10: 4 fit by batch_size, max_seqs 3 allows 3 (4 sequences are that short);
  // 50 > batch_size: alone; 200: skipped by max_seq_length.
  assert.deepEqual(batchShapes(ds, o), [
    { batch: 2, time: 3 },
    { batch: 3, time: 10 },
    { batch: 1, time: 50 },
  ]);
});

const transformer = () => {
  const config = JSON.parse(readFileSync("examples/transformer-base.json", "utf8")) as Record<
    string,
    unknown
  >;
  return { config, net: buildNetwork(config, "transformer-base.json") };
};

test("the estimate is above a real step's peak, within 2×, for two batch sizes beyond the measured ones", () => {
  const { net } = transformer();
  const model = fitStepModel((shape) => measureStep(net, shape));
  const ds = new SyntheticDataset({
    task: "reverse",
    numSeqs: 16,
    vocabSize: 24,
    minLen: 90,
    maxLen: 90,
    seed: 3,
  });
  const params = net.params.list();
  const estimates: number[] = [];
  for (const batch of [4, 12]) {
    const seqs = Array.from({ length: batch }, (_, i) => i);
    const actual = peakTensorBytes(
      () =>
        forwardBackward(net, params, new GradAccumulator(), () => makeBatch(ds, seqs), {
          step: 0,
          where: "test",
        }),
      params.map((p) => p.value),
    );
    // The padded batch: 90 source frames, 91 target labels (with end-of-sequence).
    const modelled = modelBytes(model, { batch, time: 91 });
    const estimate = 1.25 * modelled;
    assert.ok(modelled >= actual, `B=${batch}: model ${modelled} < actual ${actual}`);
    assert.ok(estimate <= K * actual, `B=${batch}: estimate ${estimate} > ${K} × actual ${actual}`);
    estimates.push(estimate);
  }
  assert.ok(estimates[1] > 2 * estimates[0], `${estimates}`);
});

test("the estimate names the largest batch of train and dev, and the log line says it", () => {
  const { config, net } = transformer();
  const s = parseTrainSettings(
    {
      ...config,
      dev: {
        class: "synthetic",
        task: "reverse",
        num_seqs: 4,
        vocab_size: 24,
        min_len: 150,
        max_len: 150,
        seed: 2,
      },
    },
    "t.json",
  );
  const e = estimateStepMemory(net, s)!;
  // dev: 150 source frames and 151 target labels > train's longest; batch_size 400 holds 2 of them.
  assert.equal(e.dataset, "dev");
  assert.deepEqual(e.shape, { batch: 2, time: 151 });
  assert.ok(e.activations !== null && e.activations > 0);
  assert.equal(e.total, e.parameters + e.activations + e.rest);
  assert.match(
    memoryLine(e),
    /^memory: a dev batch of up to 2 sequences × 151 frames \(batch_size 400, max_seqs 32, max_seq_length none\) needs parameters [\d.]+ MB, activations [\d.]+ MB, besides the process itself; the limit is [\d.]+ GB \(.+\)$/,
  );
});
