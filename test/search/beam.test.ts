import assert from "node:assert/strict";
import { test } from "node:test";
import { Beams } from "../../src/search/beam.js";

const lp = (rows: number[][]) => Float32Array.from(rows.flat().map(Math.log));

test("the first step expands only the first beam, so hypotheses differ", () => {
  const beams = new Beams(1, 2);
  const step = beams.advance(
    lp([
      [0.1, 0.6, 0.3],
      [0.1, 0.6, 0.3],
    ]),
    3,
  );
  assert.deepEqual(Array.from(step.labels), [1, 2]);
  assert.deepEqual(Array.from(step.from), [0, 0]);
});

test("beam search finds a hypothesis greedy search misses", () => {
  // Greedy takes label 1 (0.6) then gets at best 0.5; label 2 (0.4) leads to 0.9 and end.
  const beams = new Beams(1, 2);
  beams.advance(
    lp([
      [0.0001, 0.6, 0.4],
      [1, 1, 1],
    ]),
    3,
  );
  beams.advance(
    lp([
      [0.5, 0.25, 0.25],
      [0.9, 0.05, 0.05],
    ]),
    3,
  ); // rows: after 1, after 2
  beams.advance(
    lp([
      [1, 1e-9, 1e-9],
      [1, 1e-9, 1e-9],
    ]),
    3,
  );
  const { labels, scores } = beams.best(false);
  assert.deepEqual(Array.from(labels[0]), [2, 0]);
  assert.ok(Math.abs(scores[0] - Math.log(0.4 * 0.9)) < 1e-6);
});

test("finished hypotheses only extend with end-of-sequence at no cost", () => {
  const beams = new Beams(1, 1);
  beams.advance(lp([[0.7, 0.3]]), 2);
  assert.equal(beams.allFinished, true);
  const before = beams.scores[0];
  beams.advance(lp([[0.01, 0.99]]), 2);
  assert.equal(beams.scores[0], before);
  assert.deepEqual(Array.from(beams.best(false).labels[0]), [0]);
});

test("ties go to the lower beam and label", () => {
  const beams = new Beams(1, 2);
  const step = beams.advance(
    lp([
      [0.25, 0.25, 0.25, 0.25],
      [1, 1, 1, 1],
    ]),
    4,
  );
  assert.deepEqual(Array.from(step.labels), [0, 1]);
});

test("length normalisation divides the score by the hypothesis length", () => {
  const beams = new Beams(1, 2);
  beams.advance(
    lp([
      [0.45, 0.55],
      [1, 1],
    ]),
    2,
  ); // row 0: label 1 (0.55), row 1: end (0.45)
  beams.advance(
    lp([
      [0.75, 0.25],
      [1, 1],
    ]),
    2,
  );
  // Unnormalised, "end" (log 0.45 = -0.80) beats "1 end" (log 0.4125 = -0.89); per label it is -0.80 vs -0.44.

  assert.deepEqual(Array.from(beams.best(false).labels[0]), [0]);
  assert.deepEqual(Array.from(beams.best(true).labels[0]), [1, 0]);
});

test("batch entries are searched independently", () => {
  const beams = new Beams(2, 1);
  beams.advance(
    lp([
      [0.2, 0.8],
      [0.9, 0.1],
    ]),
    2,
  );
  beams.advance(
    lp([
      [0.9, 0.1],
      [0.5, 0.5],
    ]),
    2,
  );
  const { labels } = beams.best(false);
  assert.deepEqual(
    labels.map((l) => Array.from(l)),
    [[1, 0], [0]],
  );
});
