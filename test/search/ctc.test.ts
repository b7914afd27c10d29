import assert from "node:assert/strict";
import { test } from "node:test";
import { ctcGreedyDecode } from "../../src/search/ctc.js";

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
