import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { checkOggVorbis, oggPageCrc } from "../../../src/data/audio/ogg-pages.js";

const TONE = readFileSync("test/fixtures/audio/tone-1000hz.ogg");

class Bad extends Error {}
const bad = (why: string): never => {
  throw new Bad(why);
};
const check = (buf: Buffer) => checkOggVorbis(buf, bad);
const failsWith = (buf: Buffer, re: RegExp) =>
  assert.throws(
    () => check(buf),
    (e: unknown) => e instanceof Bad && re.test(e.message),
  );

/** The [start, end) byte ranges of the file's pages, from their headers alone. */
function pages(buf: Buffer): [number, number][] {
  const out: [number, number][] = [];
  for (let p = 0; p < buf.length; ) {
    const segments = buf[p + 26];
    let end = p + 27 + segments;
    for (let s = 0; s < segments; s++) end += buf[p + 27 + s];
    out.push([p, end]);
    p = end;
  }
  return out;
}

test("the fixture's pages check out: mono, 16 kHz, 8000 samples", () => {
  assert.deepEqual(check(TONE), { channels: 1, sampleRate: 16000, lastGranule: 8000 });
  assert.deepEqual(check(readFileSync("test/fixtures/audio/stereo.ogg")), {
    channels: 2,
    sampleRate: 8000,
    lastGranule: 800,
  });
});

test("the CRC is libogg's: it reproduces every page's stored checksum", () => {
  const ranges = pages(TONE);
  assert.ok(ranges.length >= 3);
  for (const [start, end] of ranges)
    assert.equal(oggPageCrc(TONE.subarray(start, end)), TONE.readUInt32LE(start + 22));
});

test("a flipped byte is a CRC mismatch naming the page", () => {
  const [, [start, end]] = pages(TONE);
  const damaged = Buffer.from(TONE);
  damaged[(start + end) >> 1] ^= 0x10;
  failsWith(damaged, /^page 2: CRC mismatch/);
});

test("a file cut inside a page, or after a page that does not end the stream, is truncated", () => {
  failsWith(TONE.subarray(0, TONE.length - 10), /^truncated: page \d+ runs past the end of the file/);
  const ranges = pages(TONE);
  const withoutLast = TONE.subarray(0, ranges[ranges.length - 1][0]);
  failsWith(withoutLast, /^truncated: the last page does not end the stream/);
});

test("a missing page, bytes after the end and a second stream are errors", () => {
  const ranges = pages(TONE);
  const [s1, e1] = ranges[1];
  failsWith(Buffer.concat([TONE.subarray(0, s1), TONE.subarray(e1)]), /^page 2: out of sequence/);
  failsWith(Buffer.concat([TONE, Buffer.from("junk")]), /^4 bytes after the end of the stream/);
  const other = Buffer.from(TONE);
  const [s2, e2] = ranges[2];
  other.writeUInt32LE(99, s2 + 14); // another serial number, CRC made right again
  other.writeUInt32LE(oggPageCrc(other.subarray(s2, e2)), s2 + 22);
  failsWith(other, /several logical streams/);
});

test("a stream of another codec is named: Opus, or unknown", () => {
  failsWith(readFileSync("test/fixtures/audio/tone.opus"), /holds Opus, not Vorbis/);
  const fake = Buffer.from(TONE);
  const [[start, end]] = pages(TONE);
  fake.write("\x01vorbiX", start + 28, "latin1");
  fake.writeUInt32LE(oggPageCrc(fake.subarray(start, end)), start + 22);
  failsWith(fake, /holds an unknown codec, not Vorbis/);
});

test("not Ogg at all, or empty, is an error", () => {
  failsWith(Buffer.from("RIFF....WAVEfmt and more than 27 bytes"), /^page 1 at byte 0: no "OggS"/);
  failsWith(Buffer.alloc(0), /^empty file/);
});
