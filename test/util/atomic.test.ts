import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { writeFileAtomic } from "../../src/util/atomic.js";

const root = mkdtempSync(join(tmpdir(), "repronet-atomic-"));
after(() => rmSync(root, { recursive: true, force: true }));

test("writes string content as UTF-8", () => {
  const path = join(mkdtempSync(join(root, "s-")), "a.txt");
  writeFileAtomic(path, "héllo\n");
  assert.equal(readFileSync(path, "utf8"), "héllo\n");
});

test("writes bytes exactly, including from a view into a larger buffer", () => {
  const path = join(mkdtempSync(join(root, "b-")), "a.bin");
  const big = new Uint8Array([9, 1, 2, 3, 9]);
  writeFileAtomic(path, big.subarray(1, 4));
  assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
});

test("leaves no temporary file behind", () => {
  const sub = mkdtempSync(join(root, "t-"));
  writeFileAtomic(join(sub, "a.txt"), "x");
  writeFileAtomic(join(sub, "b.txt"), new Uint8Array(0));
  assert.deepEqual(readdirSync(sub).sort(), ["a.txt", "b.txt"]);
});

test("overwrites an existing file completely", () => {
  const sub = mkdtempSync(join(root, "o-"));
  const path = join(sub, "a.txt");
  writeFileAtomic(path, "a much longer first version");
  writeFileAtomic(path, "short");
  assert.equal(readFileSync(path, "utf8"), "short");
  assert.deepEqual(readdirSync(sub), ["a.txt"]);
});

test("a failed rename leaves the old file intact", () => {
  const sub = mkdtempSync(join(root, "f-"));
  const path = join(sub, "a.txt");
  writeFileAtomic(path, "old");
  // Renaming a file over a directory fails after the temporary file is written.
  assert.throws(() => writeFileAtomic(sub, "new"));
  assert.equal(readFileSync(path, "utf8"), "old");
});
