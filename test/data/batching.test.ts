import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type BatchingOptions,
  type Dataset,
  epochBatches,
  epochSeqs,
  makeBatch,
  parseMaxSeqLength,
  parseSeqOrdering,
  seqOrder,
} from "../../src/data/index.js";
import { SyntheticDataset } from "../../src/data/synthetic.js";
import { tidy } from "../../src/tensor/tensor.js";
import { ReproError } from "../../src/util/errors.js";

const ds = (numSeqs = 100, seed = 1): Dataset =>
  new SyntheticDataset({ task: "reverse", numSeqs, vocabSize: 12, minLen: 1, maxLen: 12, seed });

const opts = (over: Partial<BatchingOptions> = {}): BatchingOptions => ({
  batchSize: 40,
  maxSeqs: 0,
  maxSeqLength: null,
  seqOrdering: { kind: "random" },
  partitionEpoch: 1,
  seed: 7,
  name: "train",
  ...over,
});

const ORDERINGS = ["default", "sorted", "sorted_reverse", "random", "laplace:4", "laplace:.10", "laplace"];
const padded = (d: Dataset, seqs: number[]) =>
  seqs.length * Math.max(...seqs.map((i) => Math.max(...Object.values(d.lengths(i)))));

test("every sequence is in exactly one batch per epoch, for every ordering", () => {
  const d = ds();
  for (const name of ORDERINGS) {
    for (const epoch of [1, 2]) {
      const seen = epochBatches(d, opts({ seqOrdering: parseSeqOrdering(name, "t") }), epoch).batches.flat();
      assert.deepEqual(
        [...seen].sort((a, b) => a - b),
        Array.from({ length: 100 }, (_, i) => i),
        name,
      );
    }
  }
});

test("padded frames (longest sequence over all keys × sequences) never exceed batch_size", () => {
  const d = ds();
  for (const name of ORDERINGS) {
    const plan = epochBatches(d, opts({ seqOrdering: parseSeqOrdering(name, "t"), batchSize: 25 }), 1);
    for (const b of plan.batches) assert.ok(padded(d, b) <= 25, `${name}: ${padded(d, b)} frames`);
    assert.equal(plan.oversized, 0);
  }
});

test("batches are filled greedily: adding the next sequence would break a limit", () => {
  const d = ds();
  const o = opts({ seqOrdering: { kind: "default" }, batchSize: 30 });
  const { batches } = epochBatches(d, o, 1);
  for (let k = 0; k + 1 < batches.length; k++) {
    assert.ok(padded(d, [...batches[k], batches[k + 1][0]]) > 30);
  }
});

test("a sequence longer than batch_size forms a batch of its own", () => {
  const d = ds();
  const plan = epochBatches(d, opts({ seqOrdering: { kind: "default" }, batchSize: 5 }), 1);
  for (const b of plan.batches) assert.ok(b.length === 1 || padded(d, b) <= 5);
  const long = [...Array(100).keys()].filter((i) => d.lengths(i).classes > 5).length;
  assert.equal(plan.oversized, long);
  assert.ok(long > 0);
});

test("max_seqs bounds the number of sequences per batch", () => {
  const plan = epochBatches(ds(), opts({ batchSize: 10_000, maxSeqs: 7 }), 1);
  assert.ok(plan.batches.every((b) => b.length <= 7));
  assert.equal(plan.batches.length, Math.ceil(100 / 7));
});

test("max_seq_length skips longer sequences, for every key or per key", () => {
  const d = ds();
  const lens = [...Array(100).keys()].map((i) => d.lengths(i));
  const all = epochBatches(d, opts({ maxSeqLength: 8 }), 1);
  assert.equal(all.skipped, lens.filter((l) => l.classes > 8 || l.data > 8).length);
  assert.ok(all.batches.flat().every((i) => lens[i].classes <= 8));
  const perKey = epochBatches(d, opts({ maxSeqLength: { data: 8 } }), 1);
  assert.equal(perKey.skipped, lens.filter((l) => l.data > 8).length);
});

test("parseMaxSeqLength: a negative number limits classes only (RETURNN)", () => {
  assert.deepEqual(parseMaxSeqLength(-20, "t"), { classes: 20 });
  assert.equal(parseMaxSeqLength(20, "t"), 20);
  assert.equal(parseMaxSeqLength(undefined, "t"), null);
  assert.throws(() => parseMaxSeqLength("x", "t"), ReproError);
});

test("the order is a pure function of (seed, epoch): fresh datasets and repeated calls agree", () => {
  for (const name of ["random", "laplace:3"]) {
    const o = opts({ seqOrdering: parseSeqOrdering(name, "t") });
    const a = epochBatches(ds(), o, 3);
    epochBatches(ds(), o, 1);
    assert.deepEqual(epochBatches(ds(), o, 3), a);
  }
});

test("random: different epochs and different seeds give different orders", () => {
  const d = ds();
  const o = opts();
  assert.notDeepEqual(epochSeqs(d, o, 1), epochSeqs(d, o, 2));
  assert.notDeepEqual(epochSeqs(d, o, 1), epochSeqs(d, opts({ seed: 8 }), 1));
});

test("default keeps dataset order; sorted and sorted_reverse order by the data length, stable", () => {
  const d = ds();
  const len = (i: number) => d.lengths(i).data;
  assert.deepEqual(seqOrder(d, { kind: "default" }, 1, 1), [...Array(100).keys()]);
  const up = seqOrder(d, { kind: "sorted" }, 1, 1);
  const down = seqOrder(d, { kind: "sorted_reverse" }, 1, 1);
  for (let k = 1; k < 100; k++) {
    assert.ok(len(up[k - 1]) < len(up[k]) || (len(up[k - 1]) === len(up[k]) && up[k - 1] < up[k]));
    assert.ok(
      len(down[k - 1]) > len(down[k]) || (len(down[k - 1]) === len(down[k]) && down[k - 1] < down[k]),
    );
  }
});

test("laplace:N cuts a random order into N bins sorted alternately up and down", () => {
  const d = ds();
  const order = seqOrder(d, { kind: "laplace", bins: 4 }, 5, 1);
  const len = (i: number) => d.lengths(i).data;
  for (let b = 0; b < 4; b++) {
    const bin = order.slice(b * 25, (b + 1) * 25).map(len);
    const sorted = [...bin].sort((x, y) => (b % 2 === 0 ? x - y : y - x));
    assert.deepEqual(bin, sorted);
  }
});

test("partition_epoch: N consecutive epochs cover the data exactly once, in RETURNN's partition sizes", () => {
  const d = ds(10);
  const o = opts({ partitionEpoch: 3 });
  const parts = [1, 2, 3].map((e) => epochSeqs(d, o, e));
  assert.deepEqual(
    parts.map((p) => p.length),
    [4, 3, 3],
  );
  assert.deepEqual(
    parts.flat().sort((a, b) => a - b),
    [...Array(10).keys()],
  );
  assert.deepEqual(parts.flat(), epochSeqs(d, opts(), 1));
  assert.notDeepEqual(
    [4, 5, 6].flatMap((e) => epochSeqs(d, o, e)),
    parts.flat(),
  );
});

test("seq_ordering values are parsed; bad ones are one-line errors listing the choices", () => {
  assert.deepEqual(parseSeqOrdering("laplace:7", "t"), { kind: "laplace", bins: 7 });
  assert.deepEqual(parseSeqOrdering("laplace:.100", "t"), { kind: "laplace", binSize: 100 });
  assert.deepEqual(parseSeqOrdering(undefined, "t"), { kind: "default" });
  assert.throws(
    () => parseSeqOrdering("shuffle", "c.json: train"),
    (e: unknown) =>
      e instanceof ReproError &&
      /^c\.json: train: seq_ordering must be "default", .*got "shuffle"$/.test(e.message),
  );
});

test("makeBatch pads each key with 0 to its longest sequence and reports lengths", () => {
  const d = ds(5);
  tidy(() => {
    const batch = makeBatch(d, [2, 0, 4]);
    for (const key of ["data", "classes"]) {
      const { value, lengths } = batch.data[key];
      const T = Math.max(...lengths);
      assert.deepEqual(value.shape, [3, T]);
      assert.equal(value.dtype, "int32");
      [2, 0, 4].forEach((seq, b) => {
        const want = d.get(seq)[key];
        assert.equal(lengths[b], want.length);
        assert.deepEqual(
          [...value.i32.slice(b * T, (b + 1) * T)],
          [...want, ...Array(T - want.length).fill(0)],
        );
      });
    }
    assert.deepEqual(batch.seqIndices, [2, 0, 4]);
  });
});

test("makeBatch gives dense keys a float32 [B, T, F] tensor", () => {
  const dense: Dataset = {
    where: "dense",
    numSeqs: 2,
    keys: [{ name: "data", sparse: false, dim: 2 }],
    sortKey: "data",
    get: (i) => ({ data: Float32Array.from({ length: 2 * (i + 1) }, (_, k) => k + 1) }),
    lengths: (i) => ({ data: i + 1 }),
  };
  tidy(() => {
    const { value, lengths } = makeBatch(dense, [0, 1]).data.data;
    assert.deepEqual(value.shape, [2, 2, 2]);
    assert.deepEqual([...lengths], [1, 2]);
    assert.deepEqual([...value.f32], [1, 2, 0, 0, 1, 2, 3, 4]);
  });
});
