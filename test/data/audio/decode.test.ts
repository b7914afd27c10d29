import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { decodeAudio } from "../../../src/data/audio/decode.js";
import { encodeWav } from "../../../src/data/audio/wav.js";
import { ReproError } from "../../../src/util/errors.js";

const isOurs = (re: RegExp) => (e: unknown) => e instanceof ReproError && re.test(e.message);

test("the content decides the format: WAV and Ogg Vorbis, whatever the name says", () => {
  const wav = decodeAudio(encodeWav([0.5, -0.25], 8000), "a.ogg");
  assert.deepEqual([wav.sampleRate, Array.from(wav.samples)], [8000, [0.5, -0.25]]);
  const ogg = decodeAudio(readFileSync("test/fixtures/audio/tone-1000hz.ogg"), "a.wav");
  assert.deepEqual([ogg.sampleRate, ogg.samples.length], [16000, 8000]);
});

test("other formats are one-line errors saying what they are", () => {
  assert.throws(
    () => decodeAudio(Buffer.from("ID3\x03\x00\x00\x00"), "x.mp3"),
    isOurs(/^x\.mp3: unreadable audio \(MP3 audio; WAV and Ogg Vorbis are supported\)$/),
  );
  assert.throws(() => decodeAudio(Buffer.from("fLaC\x00\x00\x00\x22"), "x.flac"), isOurs(/\(FLAC audio;/));
  assert.throws(
    () => decodeAudio(Buffer.from("hello"), "x.txt"),
    isOurs(/^x\.txt: unreadable audio \(neither a WAV nor an Ogg file; WAV and Ogg Vorbis are supported\)$/),
  );
});
