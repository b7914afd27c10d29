import assert from "node:assert/strict";
import { test } from "node:test";
import { KeyedStream } from "../../src/rng/keyed.js";
import { ctcGreedyDecode, ctcPrefixBeamSearch } from "../../src/search/ctc.js";
import * as ops from "../../src/tensor/ops/index.js";
import { tensor, tidy } from "../../src/tensor/tensor.js";

/** Scores [B, T, V] with a peak at each frame's given class. */
const peaks = (frames: number[][], V: number) =>
  Float32Array.from(
    frames.flatMap((seq) => seq.flatMap((k) => Array.from({ length: V }, (_, c) => (c === k ? 1 : 0)))),
  );

test("greedy decoding merges repeats, drops blanks, and stops at each length", () => {
  const scores = peaks(
    [
      [0, 0, 2, 0, 1, 1],
      [1, 2, 1, 0, 0, 0],
    ],
    3,
  );
  const out = ctcGreedyDecode(scores, [2, 6, 3], Int32Array.of(6, 3), 2);
  assert.deepEqual(out, [
    [0, 0, 1],
    [1, 1],
  ]);
});

test("a tie goes to the first class", () => {
  assert.deepEqual(ctcGreedyDecode(new Float32Array(3), [1, 1, 3], Int32Array.of(1), 2), [[0]]);
});

/** log P(labels | frames) summed over all alignments, by enumerating all V^T frame paths. */
function bruteForce(logProbs: Float64Array, T: number, V: number, blank: number): Map<string, number> {
  const sums = new Map<string, number>();
  for (let path = 0; path < V ** T; path++) {
    let logP = 0;
    const labels: number[] = [];
    let prev = -1;
    for (let t = 0, rest = path; t < T; t++, rest = Math.floor(rest / V)) {
      const k = rest % V;
      logP += logProbs[t * V + k];
      if (k !== prev && k !== blank) labels.push(k);
      prev = k;
    }
    const key = labels.join(",");
    sums.set(key, (sums.get(key) ?? 0) + Math.exp(logP));
  }
  return sums;
}

test("prefix beam search with a wide beam finds the most probable labelling and its exact probability", () => {
  const [T, V, blank] = [5, 3, 2];
  for (const seed of [1, 2, 3, 4]) {
    const logits = new KeyedStream(seed, "ctc-test").normal(T * V, 0, 2);
    const logProbs = tidy(() => Float64Array.from(ops.logSoftmax(tensor(logits, [T, V])).f32));
    const sums = bruteForce(logProbs, T, V, blank);
    const [bestKey, bestP] = [...sums].reduce((a, b) => (b[1] > a[1] ? b : a));
    const [got] = ctcPrefixBeamSearch(logProbs, [1, T, V], Int32Array.of(T), blank, 1000);
    assert.equal(got.labels.join(","), bestKey, `seed ${seed}`);
    assert.ok(
      Math.abs(got.logProb - Math.log(bestP)) < 1e-12,
      `seed ${seed}: ${got.logProb} vs ${Math.log(bestP)}`,
    );
  }
});

test("prefix beam search sums alignments where greedy follows the best single path", () => {
  // Two frames, P(a) = 0.4, P(blank) = 0.6 each: the best path is blank blank (0.36),
  // but "a" has a a, a blank, blank a: 0.16 + 0.24 + 0.24 = 0.64.
  const logProbs = Float64Array.from([0.4, 0.6, 0.4, 0.6], Math.log);
  assert.deepEqual(ctcGreedyDecode(Float32Array.from(logProbs), [1, 2, 2], Int32Array.of(2), 1), [[]]);
  const [got] = ctcPrefixBeamSearch(logProbs, [1, 2, 2], Int32Array.of(2), 1, 2);
  assert.deepEqual(got.labels, [0]);
  assert.ok(Math.abs(got.logProb - Math.log(0.64)) < 1e-12);
});

test("prefix beam search keeps a repeated label only across a blank and ignores frames past the length", () => {
  // a, blank, a (then NaN padding): "a a"; a, a, a: "a".
  const peak = (k: number) => [0, 1, 2].map((c) => (c === k ? Math.log(0.98) : Math.log(0.01)));
  const logProbs = Float64Array.from([
    ...[0, 2, 0].flatMap(peak),
    Number.NaN,
    Number.NaN,
    Number.NaN,
    ...[0, 0, 0, 0].flatMap(peak),
  ]);
  const out = ctcPrefixBeamSearch(logProbs, [2, 4, 3], Int32Array.of(3, 4), 2, 4);
  assert.deepEqual(
    out.map((h) => h.labels),
    [[0, 0], [0]],
  );
});
