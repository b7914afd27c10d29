/**
 * The audio pipeline end to end on tones the test synthesizes: an OggZip
 * corpus → `repronet train` (a tiny conv + pool + CTC model, one epoch) →
 * `repronet recognize --refs` → `repronet score -m wer cer`. Checks the
 * plumbing, not accuracy.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { encodeWav } from "../../src/data/audio/wav.js";
import { writeZip } from "../../src/data/audio/zip.js";
import { repronet, stderrLines } from "../helpers/cli.js";

const work = mkdtempSync(join(tmpdir(), "repronet-recognize-"));
after(() => rmSync(work, { recursive: true, force: true }));

const sr = 8000;
/** One tone per character: "a" 300 Hz, "b" 900 Hz, 0.1 s each. */
function speak(text: string): Buffer {
  const hz: Record<string, number> = { a: 300, b: 900 };
  const samples = [...text].flatMap((c) =>
    Array.from({ length: sr / 10 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz[c] * i) / sr)),
  );
  return encodeWav(samples, sr);
}

test("train → recognize → score on a synthesized tone corpus", () => {
  const texts = ["ab", "ba", "a", "bab"];
  const list = `[${texts.map((t, i) => `{"file": "${i}.wav", "seq_name": "tones/${i}", "duration": 0.3, "text": "${t}"}`).join(", ")}]`;
  const zip = join(work, "tones.zip");
  writeFileSync(
    zip,
    writeZip([
      { name: "tones.txt", data: Buffer.from(list) },
      ...texts.map((t, i) => ({ name: `tones/${i}.wav`, data: speak(t) })),
    ]),
  );
  const vocab = join(work, "ab.vocab");
  writeFileSync(vocab, "a\nb\n");
  const data = {
    class: "OggZipDataset",
    path: zip,
    audio: { features: "log_mel_filterbank", num_feature_filters: 8 },
    targets: { class: "CharacterTargets", vocab_file: vocab, unknown_label: null },
  };
  const config = {
    random_seed: 1,
    extern_data: { data: { dim: 8 }, classes: { dim: 2, sparse: true } },
    train: data,
    dev: data,
    batch_size: 1000,
    max_seqs: 4,
    num_epochs: 1,
    learning_rate: 0.01,
    network: {
      conv: { class: "conv", from: "data", filter_size: [3], padding: "same", n_out: 4, activation: "relu" },
      pool: { class: "pool", from: "conv", mode: "max", pool_size: [2], padding: "same" },
      ctc: { class: "softmax", from: "pool", loss: "ctc", target: "classes" },
    },
  };
  const configFile = join(work, "config.json");
  writeFileSync(configFile, JSON.stringify(config));
  const run = join(work, "run");
  const train = repronet(["train", configFile, "--out", run]);
  assert.equal(train.code, 0, train.stderr);
  const hyp = join(work, "hyp");
  const ref = join(work, "ref");
  const rec = repronet(["recognize", run, "--data", "dev", "--out", hyp, "--refs", ref]);
  assert.equal(rec.code, 0, rec.stderr);
  assert.equal(readFileSync(ref, "utf8"), `${texts.join("\n")}\n`);
  const hyps = readFileSync(hyp, "utf8").split("\n").slice(0, -1);
  assert.equal(hyps.length, texts.length);
  assert.ok(hyps.every((h) => /^[ab]*$/.test(h)));
  const score = repronet(["score", ref, "-i", hyp, "-m", "wer", "cer"]);
  assert.equal(score.code, 0, score.stderr);
  assert.ok(JSON.parse(score.stdout).systems[0].metrics.CER.score >= 0);

  const beam = repronet(["recognize", run, "--data", "dev", "--beam-size", "4"]);
  assert.equal(beam.code, 0, beam.stderr);
  const beamHyps = beam.stdout.split("\n").slice(0, -1);
  assert.equal(beamHyps.length, texts.length);
  assert.ok(beamHyps.every((h) => /^[ab]*$/.test(h)));
  const bad = repronet(["recognize", run, "--data", "dev", "--beam-size", "0"]);
  assert.notEqual(bad.code, 0);
  assert.deepEqual(stderrLines(bad.stderr), ['error: --beam-size must be a positive integer, got "0"']);
});

test("recognize on a directory without a run is a one-line error", () => {
  const r = repronet(["recognize", join(work, "missing-run"), "--data", "dev"]);
  assert.notEqual(r.code, 0);
  const lines = stderrLines(r.stderr);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^error: .*manifest/);
});
