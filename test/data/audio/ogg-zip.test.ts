import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { oggZipDataset } from "../../../src/data/audio/ogg-zip.js";
import { encodeWav } from "../../../src/data/audio/wav.js";
import { writeZip } from "../../../src/data/audio/zip.js";
import { makeBatch } from "../../../src/data/batching.js";
import { readLearningRates } from "../../../src/rundir/index.js";
import { tidy } from "../../../src/tensor/tensor.js";
import { ReproError } from "../../../src/util/errors.js";
import { trainTiny } from "../../helpers/tiny-run.js";

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
  const path = corpus("badaudio", [{ file: "1.wav", text: "a", audio: Buffer.from("RIFF not really") }]);
  const ds = oggZipDataset({ path, audio, targets }, "train");
  assert.throws(
    () => ds.get(0),
    isOurs(/badaudio\.zip: sequence c\/1\.wav \(file 1\.wav\): unreadable audio \(not a RIFF\/WAVE file\)$/),
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

// Ogg Vorbis members: the fixture is the same 1000 Hz tone (0.5 s at 16 kHz) as `tone16k`, encoded lossily.
const OGG_TONE = readFileSync("test/fixtures/audio/tone-1000hz.ogg");
const tone16k = encodeWav(
  Float64Array.from({ length: 8000 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 16000)),
  16000,
);

test("an Ogg Vorbis member gives features close to the same tone's WAV (lossy: close, not identical), cached", () => {
  const path = corpus("oggwav", [
    { file: "1.wav", text: "a", audio: tone16k },
    { file: "2.ogg", text: "a", audio: OGG_TONE },
  ]);
  const ds = oggZipDataset({ path, audio, targets }, "train");
  const wav = ds.get(0).data;
  const ogg = ds.get(1).data;
  assert.equal(ogg.length, 51 * 8); // 1 + ⌊8000 / 160⌋ frames
  assert.equal(ds.get(1).data, ogg); // the cache: no second decode or extraction
  // Measured: the same strongest band in all 51 frames, 0.35 at most apart there (at the edges), 0.083 apart on
  // average over all features. Weak bands differ more: the codec's noise sits near the tone.
  let sumDiff = 0;
  let peakDiff = 0;
  for (let t = 0; t < 51; t++) {
    const [w, o] = [wav, ogg].map((f) => Array.from(f.subarray(t * 8, t * 8 + 8)));
    const strongest = w.indexOf(Math.max(...w));
    assert.equal(o.indexOf(Math.max(...o)), strongest, `frame ${t}`);
    peakDiff = Math.max(peakDiff, Math.abs(w[strongest] - o[strongest]));
    for (let j = 0; j < 8; j++) sumDiff += Math.abs(w[j] - o[j]);
  }
  assert.ok(sumDiff > 0, "a lossy codec cannot give identical features");
  assert.ok(sumDiff / wav.length < 0.15, `mean |wav - ogg| = ${sumDiff / wav.length}`);
  assert.ok(peakDiff < 0.5, `strongest band: |wav - ogg| up to ${peakDiff}`);
});

test("a damaged or non-Vorbis Ogg member and an unsupported format name the archive, sequence and file", () => {
  const path = corpus("badogg", [
    { file: "1.ogg", text: "a", audio: OGG_TONE.subarray(0, OGG_TONE.length - 100) },
    { file: "2.ogg", text: "a", audio: readFileSync("test/fixtures/audio/tone.opus") },
    { file: "3.mp3", text: "a", audio: Buffer.from("ID3\x03\x00\x00\x00 an mp3") },
  ]);
  const ds = oggZipDataset({ path, audio, targets }, "train");
  assert.throws(
    () => ds.get(0),
    isOurs(
      /badogg\.zip: sequence c\/1\.ogg \(file 1\.ogg\): unreadable audio \(truncated: page \d+ runs past/,
    ),
  );
  assert.throws(
    () => ds.get(1),
    isOurs(/sequence c\/2\.ogg \(file 2\.ogg\): unreadable audio \(the Ogg stream holds Opus/),
  );
  assert.throws(() => ds.get(2), isOurs(/sequence c\/3\.mp3 \(file 3\.mp3\): unreadable audio \(MP3 audio;/));
});

test('audio option "sample_rate": a file of another rate is an error naming it and the option', () => {
  const path = corpus("rate", [{ file: "1.ogg", text: "a", audio: OGG_TONE }]);
  const at16k = oggZipDataset({ path, audio: { ...audio, sample_rate: 16000 }, targets }, "train");
  assert.equal(at16k.lengths(0).data, 51);
  const at8k = oggZipDataset({ path, audio: { ...audio, sample_rate: 8000 }, targets }, "train");
  assert.throws(
    () => at8k.get(0),
    isOurs(
      /sequence c\/1\.ogg \(file 1\.ogg\): sample rate 16000 Hz, but audio option "sample_rate" is 8000; resampling is not supported/,
    ),
  );
  assert.throws(
    () => oggZipDataset({ path, audio: { ...audio, sample_rate: "16k" }, targets }, "train"),
    isOurs(/^train: audio option "sample_rate" must be a positive integer/),
  );
});

test("a CTC model trains on a corpus of Ogg Vorbis members", async () => {
  const path = corpus("oggtrain", [
    { file: "1.ogg", text: "ab", audio: OGG_TONE },
    { file: "2.ogg", text: "ba", audio: OGG_TONE },
  ]);
  const data = { class: "OggZipDataset", path, audio, targets };
  const out = await trainTiny({
    random_seed: 1,
    extern_data: { data: { dim: 8 }, classes: { dim: 4, sparse: true } },
    train: data,
    batch_size: 1000,
    max_seqs: 2,
    num_epochs: 1,
    learning_rate: 0.01,
    network: {
      conv: { class: "conv", from: "data", filter_size: [3], padding: "same", n_out: 4, activation: "relu" },
      ctc: { class: "softmax", from: "conv", loss: "ctc", target: "classes" },
    },
  });
  const history = readLearningRates(out);
  assert.notEqual(history, "missing");
  const scores = Object.values((history as Exclude<typeof history, "missing">).epochs[1].scores);
  assert.ok(scores.length > 0 && scores.every(Number.isFinite), JSON.stringify(scores));
});
