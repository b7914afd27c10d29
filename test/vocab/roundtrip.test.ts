import assert from "node:assert/strict";
import { test } from "node:test";
import { KeyedStream } from "../../src/rng/keyed.js";
import { learnBpe, UNK_ID } from "../../src/vocab/index.js";

/** Characters the generator draws from: ASCII, runs of spaces, tabs, Latin-1, CJK, astral, combining marks, RTL, ▁ itself. */
const POOL = [
  ..."abcdefghij",
  ..."ABC",
  ..."0123456789",
  ...".,;:!?'\"()-",
  " ",
  " ",
  " ",
  " ",
  "\t",
  "\r",
  ..."äöüßéÉñ",
  ..."中文字",
  "🙂",
  "𝔘",
  "\u0301",
  ..."مرحبا",
  "\u200d",
  "\u2581",
  "\ufffd",
  "\u00a0",
];

/** Deterministic strings of 0..40 code points, with words repeated so merges have something to learn. */
function generate(seed: number, n: number): string[] {
  const stream = new KeyedStream(seed, "bpe-roundtrip");
  const words = stream.uint32(n * 50);
  let k = 0;
  const next = (m: number) => words[k++] % m;
  const common = ["the ", "dog ", "Hund ", "läuft ", "  ", "中文 "];
  return Array.from({ length: n }, () => {
    let s = "";
    const len = next(41);
    while ([...s].length < len) s += next(3) === 0 ? common[next(common.length)] : POOL[next(POOL.length)];
    return s;
  });
}

const texts = generate(11, 3000);
const training = texts.slice(0, 1500);

for (const splitClasses of [true, false]) {
  test(`with byte fallback every string round-trips exactly (splitClasses ${splitClasses})`, () => {
    const model = learnBpe(training, 300, { splitClasses });
    assert.ok(model.merges.length > 50);
    for (const text of [...texts, ""]) {
      const ids = model.encode(text);
      assert.ok(ids.every((id) => Number.isInteger(id) && id > UNK_ID && id < model.size));
      assert.equal(model.decode(ids), text, JSON.stringify(text));
    }
  });
}

test("without byte fallback strings of training characters round-trip exactly", () => {
  const model = learnBpe(training, 300, { byteFallback: false });
  const seen = new Set(model.chars);
  seen.add(" ");
  let checked = 0;
  for (const text of texts) {
    const known = [...text].every((c) => seen.has(c) && c !== "\u2581");
    const ids = model.encode(text);
    assert.equal(ids.includes(UNK_ID), !known, JSON.stringify(text));
    if (known) {
      assert.equal(model.decode(ids), text, JSON.stringify(text));
      checked++;
    }
  }
  assert.ok(checked > 500, `only ${checked} strings were made of seen characters`);
});

test("an unseen character becomes its bytes and leaves the words around it alone", () => {
  const model = learnBpe(training, 300);
  const p = (t: string) => model.encodePieces(t);
  assert.deepEqual(p("the \u2603 dog"), [...p("the"), "\u2581", "<0xE2>", "<0x98>", "<0x83>", ...p("dog")]);
  assert.equal(model.decode(model.encode("the \u2603 dog")), "the \u2603 dog");
});
