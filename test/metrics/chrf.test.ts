import assert from "node:assert/strict";
import { test } from "node:test";
import { Chrf, chrfWords, formatChrf } from "../../src/metrics/chrf.js";

test("chrF++ splits one punctuation mark off a word's end, else off its start", () => {
  assert.deepEqual(chrfWords('(hi) there, "friend". x ab- -cd'), [
    "(hi",
    ")",
    "there",
    ",",
    '"friend"',
    ".",
    "x",
    "ab",
    "-",
    "-",
    "cd",
  ]);
});

test("identical text scores 100", () => {
  const c = new Chrf();
  const s = c.corpusScore(["abc"], [["abc"]]);
  assert.equal(formatChrf(c.name, s.score), "chrF2 = 100.00");
});

test("chrF, chrF with eps smoothing and chrF++ on a one-letter change", () => {
  assert.equal(new Chrf().corpusScore(["the cat"], [["the hat"]]).score, 28.055555555555557);
  assert.equal(
    new Chrf({ epsSmoothing: true }).corpusScore(["the cat"], [["the hat"]]).score,
    28.055555555555557,
  );
  assert.equal(new Chrf({ wordOrder: 2 }).corpusScore(["the cat"], [["the hat"]]).score, 27.29166666666667);
});

test("the name carries beta and one plus per word order", () => {
  assert.equal(new Chrf().name, "chrF2");
  assert.equal(new Chrf({ beta: 3, wordOrder: 2 }).name, "chrF3++");
});

test("the signature says eff:no with eps smoothing", () => {
  const c = new Chrf({ beta: 3, epsSmoothing: true, wordOrder: 2 });
  assert.equal(c.signature(1), "nrefs:1|case:mixed|eff:no|nc:6|nw:2|space:no|version:2.6.0");
  assert.equal(c.signature(1, {}, true), "#:1|c:mixed|e:no|nc:6|nw:2|s:no|v:2.6.0");
});

test("with several references the best sentence F is used", () => {
  const c = new Chrf();
  const best = c.corpusScore(["the cat sat"], [["the cat sat"]]).score;
  const multi = c.corpusScore(["the cat sat"], [["a dog ran"], ["the cat sat"]]).score;
  assert.equal(multi, best);
});
