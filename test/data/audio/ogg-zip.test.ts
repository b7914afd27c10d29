import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { oggZipDataset } from "../../../src/data/audio/ogg-zip.js";
import { encodeWav } from "../../../src/data/audio/wav.js";
import { writeZip } from "../../../src/data/audio/zip.js";
import { makeBatch } from "../../../src/data/batching.js";
import { tidy } from "../../../src/tensor/tensor.js";
import { ReproError } from "../../../src/util/errors.js";

const dir = mkdtempSync(join(tmpdir(), "repronet-oggzip-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const sr = 8000;
const tone = (hz: number, seconds: number) =>
  encodeWav(
    Float64Array.from(
      { length: Math.round(seconds * sr) },
      (_, i) => 0.4 * Math.sin((2 * Math.PI * hz * i) / sr),
    ),
    sr,
  );
const vocab = join(dir, "chars.vocab");
writeFileSync(vocab, `{"a": 0, "b": 1, " ": 2, "@": 3}\n`);

/** Writes X.zip with X.txt and X/<file> entries; returns its path. */
function corpus(
  name: string,
  seqs: { file: string; text: string; audio?: Buffer }[],
  extra: Record<string, Buffer> = {},
) {
  const list = `[\n${seqs.map((s) => `{"file": "${s.file}", "seq_name": "c/${s.file}", "duration": 0.2, "text": "${s.text}"},`).join("\n")}\n]\n`;
  const entries = [
    { name: `${name}.txt`, data: Buffer.from(list) },
    ...seqs.map((s) => ({ name: `${name}/${s.file}`, data: s.audio ?? tone(440, 0.2) })),
    ...Object.entries(extra).map(([n, data]) => ({ name: n, data })),
  ];
  const path = join(dir, `${name}.zip`);
  writeFileSync(path, writeZip(entries));
  return path;
}

const targets = { class: "CharacterTargets", vocab_file: vocab, unknown_label: null };
const audio = { features: "log_mel_filterbank", num_feature_filters: 8, window_len: 0.025, step_len: 0.01 };

test("sequences give log-mel features [T, F] and character labels; a second read reuses the cached features", () => {
  const path = corpus("good", [
    { file: "1.wav", text: "ab a", audio: tone(300, 0.2) },
    { file: "2.wav", text: "b", audio: tone(900, 0.1) },
  ]);
  const ds = oggZipDataset({ path, audio, targets }, "train");
  assert.equal(ds.numSeqs, 2);
  assert.deepEqual(
    ds.keys.map((k) => [k.name, k.sparse, k.dim]),
    [
      ["classes", true, 4],
      ["data", false, 8],
    ],
  );
  const s0 = ds.get(0);
  assert.deepEqual(Array.from(s0.classes), [0, 1, 2, 0]);
  assert.equal(s0.data.length, 21 * 8); // 1 + ⌊1600 / 80⌋ frames
  assert.deepEqual(ds.lengths(1), { classes: 1, data: 11 });
  assert.equal(ds.get(0).data, s0.data);
  assert.equal(ds.seqName(1), "c/2.wav");
  assert.deepEqual(
    tidy(() => makeBatch(ds, [1, 0]).seqNames),
    ["c/2.wav", "c/1.wav"],
  );
});

test("norm_mean / norm_std_dev normalise every feature", () => {
  const path = corpus("norm", [{ file: "1.wav", text: "a" }]);
  const plain = oggZipDataset({ path, audio, targets }, "t").get(0).data;
  const normed = oggZipDataset(
    { path, audio: { ...audio, norm_mean: 1, norm_std_dev: 2 }, targets },
    "t",
  ).get(0).data;
  plain.forEach((v, i) => {
    assert.ok(Math.abs(normed[i] - (v - 1) / 2) < 1e-6);
  });
});

const isOurs = (re: RegExp) => (e: unknown) => e instanceof ReproError && re.test(e.message);

test("a transcript character outside the vocabulary names the archive and sequence", () => {
  const path = corpus("oov", [{ file: "1.wav", text: "abc" }]);
  assert.throws(
    () => oggZipDataset({ path, audio, targets }, "train"),
    isOurs(/oov\.zip: sequence c\/1\.wav: character "c" is not in the vocabulary/),
  );
});

test("unreadable audio names the archive, sequence and file", () => {
  const path = corpus("badaudio", [{ file: "1.wav", text: "a", audio: Buffer.from("OggS not really") }]);
  const ds = oggZipDataset({ path, audio, targets }, "train");
  assert.throws(
    () => ds.get(0),
    isOurs(
      /badaudio\.zip: sequence c\/1\.wav \(file 1\.wav\): unreadable audio \(Ogg audio is not supported yet/,
    ),
  );
});

test("audio shorter than its target is an error naming the sequence", () => {
  const path = corpus("short", [{ file: "1.wav", text: "abababab", audio: tone(440, 0.05) }]);
  const ds = oggZipDataset({ path, audio, targets }, "train");
  assert.throws(
    () => ds.get(0),
    isOurs(/sequence c\/1\.wav \(file 1\.wav\): 6 feature frames are fewer than its 8 target labels/),
  );
});

test("a corrupt zip is a one-line error naming the file", () => {
  const path = corpus("corrupt", [{ file: "1.wav", text: "a" }]);
  const bytes = readFileSync(path);
  bytes[60] ^= 0xff; // inside the first entry's data
  writeFileSync(path, bytes);
  assert.throws(
    () => oggZipDataset({ path, audio, targets }, "train"),
    isOurs(/corrupt\.zip: entry corrupt\.txt: (CRC|corrupt)/),
  );
  writeFileSync(path, Buffer.from("not a zip at all"));
  assert.throws(
    () => oggZipDataset({ path, audio, targets }, "train"),
    isOurs(/corrupt\.zip: not a readable zip archive/),
  );
});
