import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ReproError } from "../../src/util/errors.js";
import { bpeFromJson, bpeToJson, learnBpe, loadBpe, saveBpe } from "../../src/vocab/index.js";

const dir = mkdtempSync(join(tmpdir(), "repronet-vocab-file-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const HUG_FILE = "test/fixtures/text/hug-bpe.json";
const hug = () => learnBpe(["hug hug pug", "pun bun hugs"], 100);

test("the vocab file of the worked example matches the hand-written fixture byte for byte", () => {
  assert.equal(bpeToJson(hug()), readFileSync(HUG_FILE, "utf8"));
});

test("save then load gives the same model", () => {
  const model = learnBpe(["Zwei Hunde rennen.", "Two dogs run.", "tabs\tand  spaces", "\u{1F642} ok"], 30, {
    minFrequency: 1,
  });
  const sub = mkdtempSync(join(dir, "save-"));
  const path = join(sub, "m.json");
  saveBpe(model, path);
  const back = loadBpe(path);
  assert.deepEqual(back.pieces, model.pieces);
  assert.deepEqual(back.merges, model.merges);
  assert.equal(back.splitClasses, model.splitClasses);
  assert.equal(back.byteFallback, model.byteFallback);
  assert.equal(bpeToJson(back), readFileSync(path, "utf8"));
  assert.deepEqual(readdirSync(sub), ["m.json"]); // no temporary file left behind
});

test("options survive the file", () => {
  const model = learnBpe(["ab. ab."], 5, { byteFallback: false, splitClasses: false });
  const back = bpeFromJson(bpeToJson(model), "x.json");
  assert.equal(back.byteFallback, false);
  assert.equal(back.splitClasses, false);
  assert.equal(back.size, model.size);
});

test("loading the fixture encodes as hand-checked", () => {
  const model = loadBpe(HUG_FILE);
  assert.deepEqual(model.encode("hugs pug"), [268, 265, 270, 266]);
});

const bad = (edit: (v: Record<string, unknown>) => void): string => {
  const v = JSON.parse(readFileSync(HUG_FILE, "utf8"));
  edit(v);
  return JSON.stringify(v);
};

test("a missing vocab file is an error naming it", () => {
  assert.throws(
    () => loadBpe(join(dir, "nope.json")),
    (e: Error) => {
      assert.ok(e instanceof ReproError);
      assert.match(e.message, /cannot read vocab file ".*nope\.json": no such file/);
      return true;
    },
  );
});

test("malformed vocab files are one-line errors naming the file and the problem", () => {
  const cases: [string, RegExp][] = [
    ["not json", /^v\.json: not a JSON vocab file/],
    [bad((v) => (v.format = "spm")), /^v\.json: not a repronet BPE vocab file/],
    [bad((v) => (v.version = 2)), /^v\.json: vocab file version 2 is not supported/],
    [bad((v) => (v.merge = [])), /^v\.json: unknown key "merge" \(did you mean "merges"\?\)/],
    [bad((v) => (v.byte_fallback = "yes")), /^v\.json: "byte_fallback" must be true or false/],
    [bad((v) => (v.chars = "abc")), /^v\.json: "chars" must be a list of strings/],
    [bad((v) => (v.chars = ["u", "u", "\u2581"])), /^v\.json: character "u" listed twice/],
    [bad((v) => (v.chars = ["ab", "\u2581"])), /^v\.json: "ab" is not a single non-space character/],
    [bad((v) => (v.chars = ["u", "g", "h"])), /^v\.json: the characters must include "▁"/],
    [bad((v) => (v.merges = [["u", "g", "x"]])), /^v\.json: merge 1 must be a pair of strings/],
    [bad((v) => (v.merges = [["h", "ug"]])), /^v\.json: merge 1 \["h","ug"\]: "ug" is no earlier piece/],
    [
      bad(
        (v) =>
          (v.merges = [
            ["u", "g"],
            ["u", "g"],
          ]),
      ),
      /^v\.json: merge 2 \["u","g"\]: the pair is listed twice/,
    ],
    [bad((v) => (v.vocab_size = 300)), /^v\.json: "vocab_size" is 300 but the file defines 271 ids/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => bpeFromJson(text, "v.json"),
      (e: Error) => {
        assert.ok(e instanceof ReproError, String(e));
        assert.match(e.message, message);
        assert.ok(!e.message.includes("\n"));
        return true;
      },
    );
  }
});

test("writing into a missing directory is an error naming the file", () => {
  assert.throws(
    () => saveBpe(hug(), join(dir, "no", "such", "v.json")),
    /cannot write vocab file ".*v\.json": ENOENT/,
  );
});

test("saving replaces an existing file", () => {
  const path = join(dir, "replace.json");
  writeFileSync(path, "old");
  saveBpe(hug(), path);
  assert.equal(readFileSync(path, "utf8"), bpeToJson(hug()));
});
