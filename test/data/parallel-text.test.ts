import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { gzipSync } from "node:zlib";
import { datasetFromConfig, epochBatches, makeBatch } from "../../src/data/index.js";
import { ParallelTextDataset, parallelTextFromConfig } from "../../src/data/parallel-text.js";
import { firstInvalidUtf8, readTextLines, splitTextLines } from "../../src/data/text/lines.js";
import { KeyedStream } from "../../src/rng/keyed.js";
import { ReproError } from "../../src/util/errors.js";
import { learnBpe, saveBpe } from "../../src/vocab/index.js";

const FIX = "test/fixtures/text";
const EN = `${FIX}/tiny.en`;
const DE = `${FIX}/tiny.de`;
const DE_GZ = `${FIX}/tiny.de.gz`;

const dir = mkdtempSync(join(tmpdir(), "repronet-parallel-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const lines = (path: string) => readFileSync(path, "utf8").split("\n").slice(0, -1);
const joint = learnBpe([...lines(EN), ...lines(DE)], 40);
const VOCAB = join(dir, "joint.json");
saveBpe(joint, VOCAB);
const enOnly = learnBpe(lines(EN), 10);
const EN_VOCAB = join(dir, "en.json");
saveBpe(enOnly, EN_VOCAB);

const build = (over: Record<string, unknown> = {}) =>
  parallelTextFromConfig({ source: EN, target: DE, vocab: VOCAB, ...over }, "config.json: train");

/** Asserts `fn` throws a one-line ReproError matching `message`. */
function throwsRepro(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof ReproError, String(e));
    assert.match(e.message, message);
    assert.ok(!e.message.includes("\n"), e.message);
    return true;
  });
}

test("data holds the source's subword ids, classes the target's followed by 0", () => {
  const ds = build();
  assert.equal(ds.numSeqs, 5);
  lines(EN).forEach((en, i) => {
    assert.deepEqual([...ds.get(i).data], joint.encode(en));
  });
  lines(DE).forEach((de, i) => {
    assert.deepEqual([...ds.get(i).classes], [...joint.encode(de), 0]);
  });
});

test("classes decode back to the exact target text (double spaces included)", () => {
  const ds = build();
  assert.deepEqual(
    Array.from({ length: ds.numSeqs }, (_, i) => ds.targetVocab.decode(ds.get(i).classes)),
    lines(DE),
  );
  assert.equal(ds.sourceVocab.decode(ds.get(4).data), "Two men play  football.");
});

test("keys are sparse with the vocabulary size; lengths match the values", () => {
  const ds = build();
  assert.deepEqual(ds.keys, [
    { name: "classes", sparse: true, dim: joint.size },
    { name: "data", sparse: true, dim: joint.size },
  ]);
  assert.equal(ds.sortKey, "data");
  for (let i = 0; i < ds.numSeqs; i++) {
    const v = ds.get(i);
    assert.deepEqual(ds.lengths(i), { classes: v.classes.length, data: v.data.length });
  }
});

test("get returns fresh arrays: changing one never changes the dataset", () => {
  const ds = build();
  const first = ds.get(0).data;
  const copy = [...first];
  first.fill(99);
  assert.deepEqual([...ds.get(0).data], copy);
});

test("a gzip file gives the same sequences as the plain file", () => {
  const plain = build();
  const gz = build({ target: DE_GZ });
  for (let i = 0; i < plain.numSeqs; i++) assert.deepEqual(gz.get(i), plain.get(i));
});

test("gzip is recognised by its content, not its name", () => {
  const renamed = join(dir, "tiny-gzip.txt");
  writeFileSync(renamed, readFileSync(DE_GZ));
  assert.deepEqual(readTextLines(renamed), lines(DE));
});

test("building twice gives identical sequences", () => {
  const a = build();
  const b = build();
  for (let i = 0; i < a.numSeqs; i++) assert.deepEqual(a.get(i), b.get(i));
});

test("the config registry builds it and passes ordering options to batching", () => {
  const { dataset, common } = datasetFromConfig(
    { class: "parallel_text", source: EN, target: DE, vocab: VOCAB, seq_ordering: "sorted" },
    "config.json: train",
  );
  assert.ok(dataset instanceof ParallelTextDataset);
  assert.equal(dataset.where, "config.json: train (parallel_text)");
  assert.deepEqual(common, { seq_ordering: "sorted" });
});

test("batching cuts padded batches from it", () => {
  const ds = build();
  const plan = epochBatches(
    ds,
    {
      batchSize: 40,
      maxSeqs: 2,
      maxSeqLength: null,
      seqOrdering: { kind: "default" },
      partitionEpoch: 1,
      seed: 1,
      name: "train",
    },
    1,
  );
  assert.deepEqual(plan.batches.flat().sort(), [0, 1, 2, 3, 4]);
  const batch = makeBatch(ds, plan.batches[0]);
  assert.deepEqual(
    [...batch.data.classes.lengths],
    plan.batches[0].map((i) => ds.lengths(i).classes),
  );
});

test("vocab may be given as {file: path}", () => {
  const ds = build({ vocab: { file: VOCAB } });
  assert.deepEqual(ds.get(2), build().get(2));
});

test("source_vocab and target_vocab give each side its own vocabulary", () => {
  const ds = build({ vocab: undefined, source_vocab: EN_VOCAB, target_vocab: VOCAB });
  assert.equal(ds.keys.find((k) => k.name === "data")!.dim, enOnly.size);
  assert.equal(ds.keys.find((k) => k.name === "classes")!.dim, joint.size);
  assert.deepEqual([...ds.get(0).data], enOnly.encode(lines(EN)[0]));
});

test("mismatched line counts are an error naming the file and the first line without a partner", () => {
  throwsRepro(
    () => build({ target: `${FIX}/short.de` }),
    /^test\/fixtures\/text\/tiny\.en:5: line has no counterpart: test\/fixtures\/text\/short\.de has 4 lines, test\/fixtures\/text\/tiny\.en 5$/,
  );
});

test("an empty file is an error naming it", () => {
  throwsRepro(
    () => build({ source: `${FIX}/empty.en` }),
    /^test\/fixtures\/text\/empty\.en: the file is empty$/,
  );
});

test("an empty line is an error naming the file and line", () => {
  throwsRepro(
    () => build({ source: `${FIX}/empty-line.en` }),
    /^test\/fixtures\/text\/empty-line\.en:2: empty line/,
  );
});

test("invalid UTF-8 is an error naming the file, line and column", () => {
  throwsRepro(
    () => build({ target: `${FIX}/bad-utf8.de` }),
    /^test\/fixtures\/text\/bad-utf8\.de:3: invalid UTF-8 \(byte 0xc3 at byte column 24\)$/,
  );
});

test("invalid UTF-8 inside a gzip file names the file and line", () => {
  const path = join(dir, "bad.de.gz");
  writeFileSync(path, gzipSync(Buffer.from([0x61, 0x0a, 0x62, 0xff, 0x0a])));
  throwsRepro(() => readTextLines(path), /bad\.de\.gz:2: invalid UTF-8 \(byte 0xff at byte column 2\)$/);
});

test("a corrupt gzip file is an error naming it", () => {
  const path = join(dir, "corrupt.gz");
  writeFileSync(path, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]));
  throwsRepro(() => readTextLines(path), /corrupt\.gz: not a valid gzip file/);
});

test("a missing file is an error naming it", () => {
  throwsRepro(
    () => build({ source: `${FIX}/nope.en` }),
    /^cannot read "test\/fixtures\/text\/nope\.en": no such file$/,
  );
});

test("option errors name the option", () => {
  throwsRepro(
    () => build({ vocabb: VOCAB }),
    /^config\.json: train: unknown option "vocabb" \(did you mean "vocab"\?\)$/,
  );
  throwsRepro(() => build({ source: undefined }), /^config\.json: train: option "source" is required$/);
  throwsRepro(
    () => build({ target: 3 }),
    /^config\.json: train: option "target" must be a file path, got 3$/,
  );
  throwsRepro(() => build({ vocab: undefined }), /^config\.json: train: option "vocab" is required/);
  throwsRepro(
    () => build({ source_vocab: VOCAB }),
    /give either "vocab" or "source_vocab" and "target_vocab"/,
  );
  throwsRepro(
    () => build({ vocab: { fil: VOCAB } }),
    /option "vocab": unknown option "fil" \(did you mean "file"\?\)/,
  );
  throwsRepro(
    () => build({ vocab: `${FIX}/tiny.en` }),
    /^test\/fixtures\/text\/tiny\.en: not a JSON vocab file/,
  );
});

test("lines split on \\n only: tabs, \\r and spaces stay; a final newline adds no line", () => {
  assert.deepEqual(splitTextLines("a \tb\r\n\nc"), ["a \tb\r", "", "c"]);
  assert.deepEqual(splitTextLines("a\n"), ["a"]);
  assert.deepEqual(splitTextLines(""), []);
});

test("the first invalid UTF-8 byte is found for every kind of error", () => {
  const at = (...bytes: number[]) => firstInvalidUtf8(Uint8Array.from(bytes));
  assert.equal(at(0x61, 0xc3, 0xa4, 0xf0, 0x9f, 0x99, 0x82), -1);
  assert.equal(at(0x61, 0x80), 1); // stray continuation byte
  assert.equal(at(0xc0, 0x80), 0); // overlong
  assert.equal(at(0x61, 0xe0, 0x80, 0x80), 1); // overlong
  assert.equal(at(0xed, 0xa0, 0x80), 0); // surrogate
  assert.equal(at(0xf4, 0x90, 0x80, 0x80), 0); // beyond U+10FFFF
  assert.equal(at(0x61, 0x62, 0xe2, 0x82), 2); // cut short
  assert.equal(at(0xe2, 0x28, 0xa1), 0); // bad continuation
});

test("the invalid-byte finder agrees with a strict TextDecoder on random bytes", () => {
  const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const words = new KeyedStream(3, "utf8-fuzz").uint32(4000 * 6);
  const special = [0x00, 0x61, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
  for (let t = 0; t < 4000; t++) {
    const row = Uint8Array.from({ length: t % 6 }, (_, k) => {
      const w = words[t * 6 + k];
      return w % 3 === 0 ? special[w % special.length] : 0x80 + (w % 0x80);
    });
    let ok = true;
    try {
      strict.decode(row);
    } catch {
      ok = false;
    }
    assert.equal(firstInvalidUtf8(row) === -1, ok, `bytes ${[...row].map((b) => b.toString(16))}`);
  }
});
