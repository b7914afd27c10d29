import assert from "node:assert/strict";
import { test } from "node:test";
import { Bleu, closestRefLen, formatBleu } from "../../src/metrics/bleu.js";
import { ReproError } from "../../src/util/errors.js";

const hyp = ["the cat the dog"];
const ref = [["the cat is here"]];

test("an identical sentence scores 100 with full counts", () => {
  const s = new Bleu().corpusScore(["the cat sat on the mat"], [["the cat sat on the mat"]]);
  assert.equal(s.score, 100.00000000000004);
  assert.deepEqual(s.counts, [6, 5, 4, 3]);
  assert.deepEqual(s.totals, [6, 5, 4, 3]);
  assert.equal(
    formatBleu(s),
    "BLEU = 100.00 100.0/100.0/100.0/100.0 (BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)",
  );
});

test("closest reference length prefers the shorter one on a tie", () => {
  assert.equal(closestRefLen(6, [7, 5]), 5);
  assert.equal(closestRefLen(6, [5, 7]), 5);
  assert.equal(closestRefLen(6, [9, 6, 5]), 6);
});

test("exp smoothing halves the credit of each missing order", () => {
  const s = new Bleu().corpusScore(hyp, ref);
  assert.deepEqual(s.precisions, [50, 33.333333333333336, 25, 25]);
  assert.ok(Math.abs(s.score - 31.947155212313625) <= 1e-12 * 32);
});

test("floor smoothing uses the given value and shows it in the signature", () => {
  const b = new Bleu({ smoothMethod: "floor", smoothValue: 0.25 });
  const s = b.corpusScore(hyp, ref);
  assert.deepEqual(s.precisions, [50, 33.333333333333336, 12.5, 25]);
  assert.ok(Math.abs(s.score - 26.86424829558855) <= 1e-12 * 27);
  assert.equal(b.signature(1), "nrefs:1|case:mixed|eff:no|tok:13a|smooth:floor[0.25]|version:2.6.0");
});

test("add-k smoothing reports counts and totals including k", () => {
  const s = new Bleu({ smoothMethod: "add-k" }).corpusScore(hyp, ref);
  assert.deepEqual(s.counts, [2, 2, 1, 1]);
  assert.deepEqual(s.totals, [4, 4, 3, 2]);
  assert.ok(Math.abs(s.score - 45.180100180492246) <= 1e-12 * 46);
});

test("no smoothing gives 0 when an order has no match", () => {
  assert.equal(new Bleu({ smoothMethod: "none" }).corpusScore(hyp, ref).score, 0);
});

test("effective order only drops orders with no n-grams at all", () => {
  assert.equal(new Bleu({ effectiveOrder: true }).corpusScore(["a b"], [["a b"]]).score, 100.00000000000004);
  assert.equal(new Bleu().corpusScore(["a b"], [["a b"]]).score, 0);
});

test("a missing reference makes nrefs variable in the signature", () => {
  const b = new Bleu();
  const s = b.corpusScore(
    ["a b c", "d e f"],
    [
      ["a b c", "d e f"],
      ["a b c", null],
    ],
  );
  assert.equal(b.signature(s.nrefs), "nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0");
  assert.equal(b.signature(s.nrefs, {}, true), "#:var|c:mixed|e:no|tok:13a|s:exp|v:2.6.0");
});

test("resampling fields follow nrefs in the signature", () => {
  assert.equal(
    new Bleu().signature(2, { bs: 1000, seed: "12345" }),
    "nrefs:2|bs:1000|seed:12345|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0",
  );
});

test("an unknown smoothing method is a user error with a hint", () => {
  assert.throws(
    () => new Bleu({ smoothMethod: "flor" as never }),
    (e: unknown) => e instanceof ReproError && /did you mean "floor"/.test(e.message),
  );
});

test("a reference stream of the wrong length is a user error", () => {
  assert.throws(() => new Bleu().corpusScore(["a", "b"], [["a"]]), ReproError);
});
