import assert from "node:assert/strict";
import { test } from "node:test";
import { BpeModel, EOS_ID, learnBpe, UNK_ID } from "../../src/vocab/index.js";

const M = "\u2581";
const HUG = ["hug hug pug", "pun bun hugs"];

// Worked by hand. Units: ▁hug×2, ▁pug, ▁pun, ▁bun, ▁hugs. Pair counts:
// (u,g) 4, (▁,h) 3, (h,u) 3, (▁,p) 2, (p,u) 2, (u,n) 2, the rest 1.
//  1. (u,g) 4
//  2. (▁,h) 3 and (h,ug) 3 tie: "h" < "▁" → (h,ug)
//  3. (▁,hug) 3
//  4. (▁,p) 2 and (u,n) 2 tie: "u" < "▁" → (u,n)
//  5. (▁,p) 2; every other pair occurs once, below the default minimum of 2.
const HUG_MERGES = [
  ["u", "g"],
  ["h", "ug"],
  [M, "hug"],
  ["u", "n"],
  [M, "p"],
];

test("learning merges the most frequent pair, ties by string order, until min frequency", () => {
  const model = learnBpe(HUG, 100);
  assert.deepEqual(model.merges, HUG_MERGES);
});

test("characters are ordered by frequency, ties by code point", () => {
  // ▁ 6, u 6, g 4, h 3, n 2, p 2, b 1, s 1
  assert.deepEqual(learnBpe(HUG, 0).chars, ["u", M, "g", "h", "n", "p", "b", "s"]);
});

test("ids: </s> 0, <unk> 1, 256 bytes, characters, merged pieces in merge order", () => {
  const model = learnBpe(HUG, 100);
  assert.equal(model.pieces[EOS_ID], "</s>");
  assert.equal(model.pieces[UNK_ID], "<unk>");
  assert.equal(model.pieces[2], "<0x00>");
  assert.equal(model.pieces[257], "<0xFF>");
  assert.deepEqual(model.pieces.slice(258), [
    "u",
    M,
    "g",
    "h",
    "n",
    "p",
    "b",
    "s",
    "ug",
    "hug",
    `${M}hug`,
    "un",
    `${M}p`,
  ]);
  assert.equal(model.size, 271);
  assert.equal(model.idOf(`${M}hug`), 268);
});

test("numMerges caps the number of merges", () => {
  assert.deepEqual(learnBpe(HUG, 2).merges, HUG_MERGES.slice(0, 2));
});

test("minFrequency 1 keeps merging pairs seen once", () => {
  const merges = learnBpe(HUG, 100, { minFrequency: 1 }).merges;
  assert.deepEqual(merges.slice(0, 5), HUG_MERGES);
  // After merge 5 all pairs occur once: (b,un) < (p,ug) < (p,un) < (▁hug,s) < (▁,b) by string order.
  assert.deepEqual(merges[5], ["b", "un"]);
});

test("encoding applies the merges to each word: hand-checked segmentations", () => {
  const model = learnBpe(HUG, 100);
  assert.deepEqual(model.encodePieces("hugs pug"), [`${M}hug`, "s", `${M}p`, "ug"]);
  assert.deepEqual(model.encodePieces("bun"), [M, "b", "un"]);
  assert.deepEqual(model.encodePieces("hu gn"), [M, "h", "u", M, "g", "n"]);
});

test("equal-rank occurrences merge leftmost first: ▁aaaaa → ▁aaaa + a", () => {
  // ▁aaaa, ▁aaa: (a,a) 5; then (▁,aa) 2; then (▁aa,a) 1 < (▁aa,aa) 1 by string order.
  const model = learnBpe(["aaaa aaa"], 10, { minFrequency: 1 });
  assert.deepEqual(model.merges, [
    ["a", "a"],
    [M, "aa"],
    [`${M}aa`, "a"],
    [`${M}aa`, "aa"],
  ]);
  assert.deepEqual(model.encodePieces("aaaaa"), [`${M}aaaa`, "a"]);
});

test("splitClasses keeps punctuation out of word pieces", () => {
  const split = learnBpe(["ab. ab."], 10, { minFrequency: 1 });
  assert.deepEqual(split.merges, [
    ["a", "b"],
    [M, "ab"],
  ]);
  assert.deepEqual(split.encodePieces("ab."), [`${M}ab`, "."]);
  const joined = learnBpe(["ab. ab."], 10, { minFrequency: 1, splitClasses: false });
  assert.deepEqual(joined.merges, [
    ["a", "b"],
    ["ab", "."],
    [M, "ab."],
  ]);
});

test("a leading ▁ joins punctuation and digits; digits merge among themselves", () => {
  // Units ▁.×2, ▁12×2: (1,2), (▁,.), (▁,12) all occur twice; "1" < "▁", then "." < "12".
  const model = learnBpe([". 12 . 12"], 10, { minFrequency: 1 });
  assert.deepEqual(model.merges, [
    ["1", "2"],
    [M, "."],
    [M, "12"],
  ]);
  assert.deepEqual(model.encodePieces("12. x12"), [`${M}12`, ".", M, "<0x78>", "12"]);
});

test("spaces are never collapsed: runs, leading and trailing spaces become ▁ pieces", () => {
  const model = learnBpe(HUG, 100);
  assert.deepEqual(model.encodePieces(" hug  hug "), [M, `${M}hug`, M, `${M}hug`, M]);
  assert.equal(model.decode(model.encode(" hug  hug ")), " hug  hug ");
});

test("empty text encodes to nothing and decodes back", () => {
  const model = learnBpe(HUG, 100);
  assert.deepEqual(model.encode(""), []);
  assert.equal(model.decode([]), "");
});

test("unseen characters fall back to their UTF-8 bytes and round-trip", () => {
  const model = learnBpe(HUG, 100);
  assert.deepEqual(model.encodePieces("hé"), [M, "h", "<0xC3>", "<0xA9>"]);
  assert.equal(model.decode(model.encode("hé ü 🙂\t")), "hé ü 🙂\t");
});

test("a literal ▁ in the text is spelled in bytes, so it decodes as ▁, not as a space", () => {
  const model = learnBpe(HUG, 100);
  assert.deepEqual(model.encodePieces(`hug${M}`), [`${M}hug`, "<0xE2>", "<0x96>", "<0x81>"]);
  assert.equal(model.decode(model.encode(`${M}hug ${M} `)), `${M}hug ${M} `);
});

test("without byte fallback unseen characters become <unk>, decoded as ⁇", () => {
  const model = learnBpe(HUG, 100, { byteFallback: false });
  assert.equal(model.size, 2 + 8 + 5);
  assert.deepEqual(model.encode("hé"), [model.idOf(M), model.idOf("h"), UNK_ID]);
  assert.equal(model.decode(model.encode("hug é")), "hug \u2047");
  assert.equal(model.decode(model.encode("hug pug")), "hug pug");
});

test("decoding stops at </s>", () => {
  const model = learnBpe(HUG, 100);
  assert.equal(model.decode([...model.encode("hug"), EOS_ID, ...model.encode("pug")]), "hug");
});

test("decoding an id outside the vocabulary is an error naming it", () => {
  const model = learnBpe(HUG, 100);
  assert.throws(() => model.decode([271]), /id 271 is out of range \[0, 271\)/);
  assert.throws(() => model.decode([-1]), /id -1 is out of range/);
});

test("byte symbols that are not valid UTF-8 decode to U+FFFD", () => {
  const model = learnBpe(HUG, 100);
  assert.equal(model.decode([model.idOf(M)!, 2 + 0xc3, model.idOf("h")!]), "\uFFFDh");
});

test("decoding model output that starts mid-word keeps its first piece", () => {
  const model = learnBpe(HUG, 100);
  assert.equal(model.decode([model.idOf("ug")!, model.idOf(`${M}hug`)!]), "ug hug");
});

test("encoding a lone surrogate is an error", () => {
  const model = learnBpe(HUG, 100);
  assert.throws(() => model.encode("a\uD800b"), /lone UTF-16 surrogate/);
});

test("pieces map back to ids", () => {
  const model = learnBpe(HUG, 100);
  const ids = model.encode("hugs é");
  assert.deepEqual(model.idsOfPieces(model.encodePieces("hugs é")), ids);
  assert.throws(() => model.idsOfPieces(["zz"]), /unknown piece "zz"/);
});

test("a model rebuilt from its definition encodes identically", () => {
  const model = learnBpe(HUG, 100);
  const copy = new BpeModel(model.definition());
  assert.deepEqual(copy.pieces, model.pieces);
  assert.deepEqual(copy.encode("hugs pun bug"), model.encode("hugs pun bug"));
});
