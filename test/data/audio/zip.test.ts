import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32, writeZip, ZipArchive } from "../../../src/data/audio/zip.js";
import { ReproError } from "../../../src/util/errors.js";

test("crc32 of the standard check string is 0xCBF43926", () => {
  assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926);
});

test("written entries read back unchanged, stored or deflated", () => {
  const text = Buffer.from("x".repeat(1000));
  const noise = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 97) % 256));
  const zip = new ZipArchive(
    writeZip([
      { name: "a/text.txt", data: text },
      { name: "b.bin", data: noise },
    ]),
    "t.zip",
  );
  assert.deepEqual(zip.names(), ["a/text.txt", "b.bin"]);
  assert.deepEqual(zip.read("a/text.txt"), text);
  assert.deepEqual(zip.read("b.bin"), noise);
});

test("a damaged entry or a missing one is an error naming the archive and entry", () => {
  const buf = writeZip([{ name: "b.bin", data: Buffer.from("hello world, stored") }]);
  buf[35] ^= 1; // a byte of the stored data (header 30 + name 5)
  const zip = new ZipArchive(buf, "t.zip");
  assert.throws(
    () => zip.read("b.bin"),
    (e) => e instanceof ReproError && /^t\.zip: entry b\.bin: CRC/.test(e.message),
  );
  assert.throws(
    () => zip.read("c.bin"),
    (e) => e instanceof ReproError && /entry c\.bin is missing/.test(e.message),
  );
});
