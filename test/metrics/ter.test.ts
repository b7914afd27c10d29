import assert from "node:assert/strict";
import { test } from "node:test";
import { formatTer, Ter } from "../../src/metrics/ter.js";
import { performShift, translationEditRate } from "../../src/metrics/terAlign.js";
import { tercomTokenize } from "../../src/metrics/terTokenizer.js";

const w = (s: string) => (s === "" ? [] : s.split(" "));

test("one block shift repairs a rotated sentence", () => {
  const r = translationEditRate(w("d e f g h a b c"), w("a b c d e f g h"));
  assert.equal(r.edits, 1);
  assert.equal(r.shifts, 1);
  assert.equal(r.refLength, 8);
});

test("an empty reference costs one edit per hypothesis word", () => {
  assert.deepEqual(translationEditRate(w("a b"), []), { edits: 2, refLength: 0, shifts: 0, checked: 0 });
});

test("an empty hypothesis costs one edit per reference word", () => {
  assert.equal(translationEditRate([], w("a b c")).edits, 3);
});

test("performShift moves a block before the target index", () => {
  assert.deepEqual(performShift(w("a b c d e"), 3, 2, 1), w("a d e b c"));
  assert.deepEqual(performShift(w("a b c d e"), 0, 2, 4), w("c d a b e"));
  assert.deepEqual(performShift(w("a b c d e"), 1, 2, 2), w("a d b c e"));
});

test("the Tercom tokenizer lowercases by default and can drop punctuation", () => {
  assert.equal(tercomTokenize('Hello, "World" (x)!', { noPunct: true }), "hello world x");
  assert.equal(tercomTokenize("A B", { caseSensitive: true }), "A B");
});

test("normalisation with Asian support splits CJK characters", () => {
  assert.equal(tercomTokenize("東京は、OK", { normalized: true, asianSupport: true }), "東 京 は 、 ok");
});

test("references are tokenized twice, as in sacreBLEU", () => {
  const t = new Ter({ normalized: true });
  assert.equal(t.preprocess("it's\tx"), "it's x");
  assert.equal(t.preprocessRef("it's\tx"), "it 's x");
  assert.equal(formatTer(t.corpusScore(["it's\tx"], [["it's\tx"]]).score), "TER = 66.67");
});

test("TER is case-insensitive unless asked", () => {
  assert.equal(new Ter().corpusScore(["A B C"], [["a b c"]]).score, 0);
  assert.equal(new Ter({ caseSensitive: true }).corpusScore(["A B C"], [["a b c"]]).score, 100);
});

test("the TER signature lists the tokenizer options", () => {
  const t = new Ter({ normalized: true, noPunct: true, asianSupport: true, caseSensitive: true });
  assert.equal(t.signature(1), "nrefs:1|case:mixed|tok:tercom|norm:yes|punct:no|asian:yes|version:2.6.0");
  assert.equal(t.signature(1, {}, true), "#:1|c:mixed|t:tercom|nr:yes|pn:no|as:yes|v:2.6.0");
});
