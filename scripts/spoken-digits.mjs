#!/usr/bin/env node
/**
 * `npm run spoken-digits [-- --work DIR --train N (1500) --dev N (100) --test N (200) --epochs N (30)
 *   --batch-size F --lr X --threads N --beam-size N]`:
 * a small speech recognizer trained end to end on a corpus made on the spot.
 *   1. speak digit strings and short words with espeak-ng (26 voices for
 *      train and dev, 3 others for test; speeds and pitches vary; noise added
 *      from the keyed RNG);
 *   2. pack train.zip / dev.zip / test.zip in OggZipDataset format (WAV inside);
 *   3. train a conv + self-attention CTC model with SpecAugment (`repronet
 *      train`; newbob on the dev score, test only scored);
 *   4. `repronet recognize` the test voices (greedy CTC, or prefix beam search
 *      with --beam-size) and `repronet score -m wer cer`.
 * Needs espeak-ng: `apt-get install espeak-ng` (Debian/Ubuntu). Re-running
 * reuses the corpus and resumes training.
 * --ogg: the audio files are Ogg Vorbis (oggenc from vorbis-tools, quality 4)
 * instead of WAV, and everything goes under WORK/ogg.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { decodeWav, encodeWav } from "../dist/src/data/audio/wav.js";
import { writeZip } from "../dist/src/data/audio/zip.js";
import { KeyedStream } from "../dist/src/rng/keyed.js";

const { values: o } = parseArgs({
  options: {
    work: { type: "string", default: "runs/spoken-digits" },
    train: { type: "string", default: "1500" },
    dev: { type: "string", default: "100" },
    test: { type: "string", default: "200" },
    epochs: { type: "string", default: "30" },
    "batch-size": { type: "string" },
    lr: { type: "string" },
    threads: { type: "string" },
    "beam-size": { type: "string" },
    seed: { type: "string", default: "1" },
    ogg: { type: "boolean", default: false },
  },
});
const work = resolve(o.ogg ? join(o.work, "ogg") : o.work);
const repronet = resolve("bin/repronet.js");
const seed = Number(o.seed);

if (spawnSync("espeak-ng", ["--version"]).error) {
  process.stderr.write("error: espeak-ng is not installed (Debian/Ubuntu: apt-get install espeak-ng)\n");
  process.exit(1);
}
if (o.ogg && spawnSync("oggenc", ["--version"]).error) {
  process.stderr.write("error: --ogg needs oggenc, which is not installed (Debian/Ubuntu: apt-get install vorbis-tools)\n");
  process.exit(1);
}

/** The WAV file as Ogg Vorbis (quality 4; a fixed serial number, so the same input gives the same bytes). */
function oggenc(wav) {
  const r = spawnSync("oggenc", ["--quiet", "--quality", "4", "--serial", "1", "--discard-comments", "-o", "-", "-"], {
    input: wav,
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`oggenc failed: ${r.stderr}`);
  return r.stdout;
}

const WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "yes", "no", "go", "stop"];
// Voice variants (espeak-ng +variant). train and dev (new utterances, for the
// learning-rate control) use TRAIN_VOICES; the test set is spoken only by
// TEST_VOICES, which training never hears and nothing is tuned on.
const TRAIN_VOICES = [
  "en+m1", "en+m3", "en+f1", "en+f3", "en-us+m2", "en-us+f2", "en+m5", "en-us+f4",
  "en+m6", "en+m7", "en+f4", "en+f5", "en-us+m1", "en-us+m3", "en-us+f1", "en-us+f3",
  "en+Alex", "en+Andy", "en+Annie", "en+David", "en+Ed", "en+Lee", "en+Linda", "en+Michael", "en+Paul", "en+Steph",
];
const TEST_VOICES = ["en+m2", "en+f2", "en-us+m4"];

/** One utterance: 1–4 words, a voice of `voices`, speed and pitch, all from the keyed RNG. */
function utterance(set, i, voices) {
  const u = new KeyedStream(seed, `spoken-digits/${set}`, i).uniform(8);
  const n = 1 + Math.floor(u[0] * 4);
  const words = Array.from({ length: n }, (_, k) => WORDS[Math.floor(u[1 + k] * WORDS.length)]);
  return {
    text: words.join(" "),
    voice: voices[Math.floor(u[5] * voices.length)],
    speed: 130 + Math.floor(u[6] * 70),
    pitch: 25 + Math.floor(u[7] * 50),
  };
}

function speak(utt, set, i) {
  const r = spawnSync("espeak-ng", ["-v", utt.voice, "-s", String(utt.speed), "-p", String(utt.pitch), "--stdout", utt.text], {
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`espeak-ng failed for "${utt.text}": ${r.stderr}`);
  const audio = decodeWav(r.stdout, `${set}/${i}`);
  // White noise at about 25 dB below the signal's RMS, from the keyed RNG.
  let power = 0;
  for (const v of audio.samples) power += v * v;
  const rms = Math.sqrt(power / Math.max(1, audio.samples.length));
  const noise = new KeyedStream(seed, `spoken-digits/noise/${set}`, i).normal(audio.samples.length, 0, rms * 10 ** (-25 / 20));
  const samples = audio.samples.map((v, k) => v + noise[k]);
  return { wav: encodeWav(samples, audio.sampleRate), duration: samples.length / audio.sampleRate };
}

function makeCorpus(set, count, voices) {
  const zip = join(work, `${set}.zip`);
  if (existsSync(zip)) return zip;
  const started = Date.now();
  const entries = [];
  const list = [];
  for (let i = 0; i < count; i++) {
    const utt = utterance(set, i, voices);
    const { wav, duration } = speak(utt, set, i);
    const file = o.ogg ? `${i}.ogg` : `${i}.wav`;
    entries.push({ name: `${set}/${file}`, data: o.ogg ? oggenc(wav) : wav });
    list.push(`{"file": "${file}", "seq_name": "${set}/${i}/${utt.voice}", "duration": ${duration.toFixed(3)}, "text": "${utt.text}"},`);
  }
  entries.unshift({ name: `${set}.txt`, data: Buffer.from(`[\n${list.join("\n")}\n]\n`) });
  writeFileSync(zip, writeZip(entries));
  process.stderr.write(`== ${set}: ${count} utterances (voices ${voices.join(", ")}) in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return zip;
}

function step(title, args) {
  process.stderr.write(`\n== ${title}: repronet ${args.join(" ")}\n`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [repronet, ...args], { stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 26 });
  if (r.status !== 0) process.exit(r.status ?? 1);
  const seconds = (Date.now() - started) / 1000;
  process.stderr.write(`== ${title} done in ${seconds.toFixed(0)} s\n`);
  return { out: r.stdout.toString("utf8"), seconds };
}

mkdirSync(work, { recursive: true });
const trainZip = makeCorpus("train", Number(o.train), TRAIN_VOICES);
const devZip = makeCorpus("dev", Number(o.dev), TRAIN_VOICES);
const testZip = makeCorpus("test", Number(o.test), TEST_VOICES);
const vocabFile = join(work, "chars.vocab");
const chars = [..."abcdefghijklmnopqrstuvwxyz "];
writeFileSync(vocabFile, `{${chars.map((c, i) => `${JSON.stringify(c)}: ${i}`).join(", ")}}\n`);

const audio = { features: "log_mel_filterbank", num_feature_filters: 40, norm_mean: "per_seq", norm_std_dev: "per_seq" };
const targets = { class: "CharacterTargets", vocab_file: vocabFile, unknown_label: null };
const config = JSON.parse(readFileSync(resolve("examples/spoken-digits-ctc.json"), "utf8"));
Object.assign(config, {
  train: { class: "OggZipDataset", path: trainZip, audio, targets, seq_ordering: "laplace:.100" },
  dev: { class: "OggZipDataset", path: devZip, audio, targets },
  eval_datasets: { test: { class: "OggZipDataset", path: testZip, audio, targets } },
  num_epochs: Number(o.epochs),
});
if (o["batch-size"]) config.batch_size = Number(o["batch-size"]);
if (o.lr) config.learning_rate = Number(o.lr);
const configFile = join(work, "config.json");
writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
const run = join(work, "run");
const threads = o.threads ? ["--threads", o.threads] : [];
const train = step("train", ["train", configFile, "--out", run, ...threads]);
const hyp = join(work, "test.hyp");
const ref = join(work, "test.ref");
const beam = o["beam-size"] ? ["--beam-size", o["beam-size"]] : [];
step("recognize", ["recognize", run, "--data", "test", "--out", hyp, "--refs", ref, ...beam]);
const score = JSON.parse(step("score", ["score", ref, "-i", hyp, "-m", "wer", "cer"]).out);
const m = score.systems[0].metrics;
process.stdout.write(
  `held-out voices (${TEST_VOICES.join(", ")}): CER ${m.CER.score.toFixed(2)} %, WER ${m.WER.score.toFixed(2)} % ` +
    `(${o.test} test utterances; training ${train.seconds.toFixed(0)} s for ${o.epochs} epochs)\n`,
);
