/**
 * The expected pieces were produced by RETURNN's own encoder
 * (returnn/util/bpe.py StandardBytePairEncoder.segment_sentence, rwth-i6/returnn
 * HEAD of 2026-12) on the codes and vocabulary below, run with python3.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { joinBpePieces, SubwordNmtBpe } from "../../src/vocab/subword-nmt.js";

const CODES = `#version: 0.2
t h
th e</w>
e r
h e
a n
an d</w>
i n
in g</w>
th ing</w>
o th
er</w> s
`;
const LABELS = new Set(
  "the th@@ e t@@ h@@ er o@@ and a@@ n@@ d s@@ ing i@@ in@@ g thing b@@ r@@ a ea@@ re".split(" "),
);

test("words are merged lowest rank first, non-final pieces carry @@ (as RETURNN's StandardBytePairEncoder)", () => {
  const bpe = new SubwordNmtBpe(CODES, "codes");
  assert.deepEqual(bpe.segmentSentence("the there other and sing thing a"), [
    "the",
    "th@@",
    "er@@",
    "e",
    "oth@@",
    "e@@",
    "r",
    "and",
    "s@@",
    "ing",
    "thing",
    "a",
  ]);
  assert.deepEqual(bpe.segmentSentence("breathe"), ["b@@", "r@@", "e@@", "a@@", "the"]);
  assert.deepEqual(bpe.segmentSentence("$name {x y} then"), ["$name", "{x", "y}", "then"]);
});

test("with a vocabulary, pieces outside it are split back along their merges", () => {
  const bpe = new SubwordNmtBpe(CODES, "codes", LABELS);
  assert.deepEqual(bpe.segmentSentence("the there other and sing thing"), [
    "the",
    "th@@",
    "e@@",
    "r@@",
    "e",
    "o@@",
    "th@@",
    "e@@",
    "r",
    "and",
    "s@@",
    "ing",
    "thing",
  ]);
});

test("codes without a version line are 0.1 (</w> as a symbol of its own); another version is an error", () => {
  const v01 = new SubwordNmtBpe("t h\nth e\nthe </w>\n", "codes");
  assert.deepEqual(v01.segmentSentence("the then"), ["the", "the@@", "n"]);
  assert.throws(
    () => new SubwordNmtBpe("#version: 0.3\n", "codes.bpe"),
    /codes.bpe: BPE codes version "0.3" is not supported/,
  );
});

test("pieces join back to the text", () => {
  const bpe = new SubwordNmtBpe(CODES, "codes");
  const text = "the there other and sing thing a";
  assert.equal(joinBpePieces(bpe.segmentSentence(text)), text);
});
