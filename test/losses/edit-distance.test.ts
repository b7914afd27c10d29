import assert from "node:assert/strict";
import { test } from "node:test";
import { lossClass } from "../../src/losses/index.js";
import { ReproError } from "../../src/util/errors.js";
import { sparseData } from "../helpers/layer-harness.js";
import { outputOf, randOutput, target } from "./support.js";

const editDistance = lossClass("edit_distance", "test");

/** Levenshtein distance by the textbook dynamic programme (insert, delete, substitute: cost 1). */
function distance(a: number[], b: number[]): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

test("edit_distance: the summed Levenshtein distance of each hypothesis to its reference, no value (nograd loss:edit_distance)", () => {
  const hyps = [
    [5, 1, 2, 4], // a substitution (1 → 2) and a deletion (4) from [5, 2, 2]
    [7, 8],
    [3, 3, 3],
  ];
  const refs = [[5, 2, 2], [7, 8], [3]];
  // Padded positions hold label 0, which must not count.
  const r = editDistance.compute(sparseData(hyps, 10), sparseData(refs, 10), {}, "test");
  const want = hyps.reduce((s, h, i) => s + distance(h, refs[i]), 0);
  assert.equal(want, 2 + 0 + 2);
  assert.equal(r.error, want);
  assert.equal(r.value, null, "an error measure only: never in the objective");
  assert.equal(r.frames, 6, "reference frames");
});

test("edit_distance needs sparse [batch, time] data: dense output is a one-line error", () => {
  const t = target();
  assert.throws(() => editDistance.compute(outputOf(randOutput(7), t), t, {}, "layer x"), ReproError);
});
