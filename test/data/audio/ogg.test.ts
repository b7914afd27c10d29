import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { decodeOgg } from "../../../src/data/audio/ogg.js";
import { oggPageCrc } from "../../../src/data/audio/ogg-pages.js";
import { decodeWav } from "../../../src/data/audio/wav.js";
import { ReproError } from "../../../src/util/errors.js";

const TONE = readFileSync("test/fixtures/audio/tone-1000hz.ogg");
const isOurs = (re: RegExp) => (e: unknown) => e instanceof ReproError && re.test(e.message);

/** Power of the DFT of `x` at bin k (a direct sum: the test's own reference, no FFT). */
function power(x: ArrayLike<number>, k: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i] * Math.cos((2 * Math.PI * k * i) / x.length);
    im -= x[i] * Math.sin((2 * Math.PI * k * i) / x.length);
  }
  return re * re + im * im;
}

test("the fixture decodes to its tone: 16 kHz, 8000 samples, the spectral peak at 1000 Hz, amplitude 0.5", () => {
  const a = decodeOgg(TONE, "tone.ogg");
  assert.equal(a.sampleRate, 16000);
  assert.equal(a.samples.length, 8000);
  // 0.1 s from the middle: bins 10 Hz apart, so 1000 Hz is bin 100.
  const mid = a.samples.subarray(3200, 4800);
  const spectrum = Array.from({ length: 800 }, (_, k) => power(mid, k));
  const peak = spectrum.indexOf(Math.max(...spectrum));
  assert.equal(peak, 100);
  const rms = Math.sqrt(mid.reduce((s, v) => s + v * v, 0) / mid.length);
  assert.ok(Math.abs(rms - 0.5 / Math.SQRT2) < 0.02, `rms ${rms}`);
});

test("the samples are libvorbis's: within one 16-bit step of the native oggdec's decoding", () => {
  const ours = decodeOgg(TONE, "t").samples.subarray(3200, 4800);
  const native = decodeWav(readFileSync("test/fixtures/audio/tone-1000hz.oggdec-3200.wav"), "ref").samples;
  assert.equal(native.length, 1600);
  let maxDiff = 0;
  for (let i = 0; i < native.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - native[i]));
  assert.ok(maxDiff <= 1 / 32768, `max |ours - oggdec| = ${maxDiff * 32768} steps`); // measured: 0.5 (rounding)
});

test("decoding is deterministic: the same bytes give the same samples, bit for bit, whatever was decoded before", () => {
  const hash = (x: Float64Array) => createHash("sha256").update(new Uint8Array(x.buffer)).digest("hex");
  const first = hash(decodeOgg(TONE, "t").samples);
  // In between, a file whose last page's audio packets are damaged (its CRC made right): libvorbis decodes it
  // without complaint, to other samples, and the decoder state it leaves must not matter.
  const damaged = Buffer.from(TONE);
  const last = damaged.lastIndexOf("OggS");
  for (let i = last + 27 + damaged[last + 26] + 20; i < damaged.length; i += 7) damaged[i] ^= 0x5a;
  damaged.writeUInt32LE(oggPageCrc(damaged.subarray(last)), last + 22);
  assert.notEqual(hash(decodeOgg(damaged, "t").samples), first);
  assert.equal(hash(decodeOgg(TONE, "t").samples), first);
});

test("stereo, Opus and a truncated file are one-line errors naming the file", () => {
  assert.throws(
    () => decodeOgg(readFileSync("test/fixtures/audio/stereo.ogg"), "a.zip: sequence s (file s.ogg)"),
    isOurs(/^a\.zip: sequence s \(file s\.ogg\): unreadable audio \(2 channels; only mono is supported\)$/),
  );
  assert.throws(
    () => decodeOgg(readFileSync("test/fixtures/audio/tone.opus"), "x.ogg"),
    isOurs(/^x\.ogg: unreadable audio \(the Ogg stream holds Opus, not Vorbis/),
  );
  assert.throws(
    () => decodeOgg(TONE.subarray(0, 2000), "x.ogg"),
    isOurs(/^x\.ogg: unreadable audio \(truncated/),
  );
});

test("a process that decoded Ogg ends by itself, also under `node -e` (whose flags the worker must not inherit)", () => {
  const script = `import { decodeOgg } from ${JSON.stringify(new URL("../../../src/data/audio/ogg.js", import.meta.url).href)};
import { readFileSync } from "node:fs";
process.stdout.write(String(decodeOgg(readFileSync("test/fixtures/audio/tone-1000hz.ogg"), "t").samples.length));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    timeout: 20_000,
    encoding: "utf8",
  });
  assert.equal(r.error, undefined, "the process did not end by itself");
  assert.deepEqual([r.status, r.stdout], [0, "8000"], r.stderr);
});
