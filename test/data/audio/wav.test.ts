import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeWav, encodeWav } from "../../../src/data/audio/wav.js";
import { ReproError } from "../../../src/util/errors.js";

test("16-bit PCM round trip within half a quantisation step", () => {
  const x = [0, 0.5, -0.5, 0.999, -1];
  const a = decodeWav(encodeWav(x, 16000), "t.wav");
  assert.equal(a.sampleRate, 16000);
  a.samples.forEach((v, i) => {
    assert.ok(Math.abs(v - x[i]) <= 0.5 / 32768);
  });
});

test("a streamed WAV's placeholder data size reads to the end of the file", () => {
  const buf = encodeWav([0.25, -0.25, 0.5], 8000);
  buf.writeUInt32LE(0x7ffff000, 40);
  assert.equal(decodeWav(buf, "t.wav").samples.length, 3);
});

test("non-WAV input and a truncated data chunk are one-line errors", () => {
  const isOurs = (re: RegExp) => (e: unknown) => e instanceof ReproError && re.test(e.message);
  assert.throws(
    () => decodeWav(Buffer.from("hello"), "x"),
    isOurs(/^x: unreadable audio \(not a RIFF\/WAVE file\)/),
  );
  const short = encodeWav([0.1, 0.2, 0.3], 8000).subarray(0, 46);
  assert.throws(() => decodeWav(short, "x"), isOurs(/runs past the end/));
});
