import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { writeFileAtomic } from "../../src/util/atomic.js";
import { fsCallOrder, withFailingRename } from "../helpers/fs-faults.js";

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

test("a crash between writing and renaming leaves the old content, and no temporary file", () => {
  const sub = mkdtempSync(join(root, "c-"));
  const path = join(sub, "a.txt");
  writeFileAtomic(path, "old");
  // A plain writeFileSync would have replaced the content before the fault.
  assert.throws(() => withFailingRename(() => writeFileAtomic(path, "new content")), /EIO/);
  assert.equal(readFileSync(path, "utf8"), "old");
  assert.deepEqual(readdirSync(sub), ["a.txt"]);
});

test("the data is written and fsynced before the rename makes it visible", () => {
  const sub = mkdtempSync(join(root, "o-"));
  const calls = fsCallOrder(["writeSync", "fsyncSync", "renameSync"], () =>
    writeFileAtomic(join(sub, "a.txt"), "x"),
  );
  // The last fsync is the directory's, after the rename.
  assert.deepEqual(calls, ["writeSync", "fsyncSync", "renameSync", "fsyncSync"]);
});
