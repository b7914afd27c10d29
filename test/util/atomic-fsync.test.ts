/**
 * writeFileAtomic's durability order, observed by spying on node:fs (the ESM
 * bindings are re-synced with module.syncBuiltinESMExports): the temporary
 * file's data is fsynced before the rename, and the directory after it.
 */
import assert from "node:assert/strict";
import fs, { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

const work = mkdtempSync(join(tmpdir(), "repronet-fsync-"));
after(() => rmSync(work, { recursive: true, force: true }));

test("writeFileAtomic fsyncs the written file before renaming it, then the directory", async () => {
  const calls: string[] = [];
  const paths = new Map<number, string>();
  const orig = { openSync: fs.openSync, fsyncSync: fs.fsyncSync, renameSync: fs.renameSync };
  fs.openSync = ((p: fs.PathLike, ...rest: unknown[]) => {
    const fd = (orig.openSync as (...a: unknown[]) => number)(p, ...rest);
    paths.set(fd, String(p));
    return fd;
  }) as typeof fs.openSync;
  fs.fsyncSync = ((fd: number) => {
    calls.push(`fsync ${paths.get(fd) === work ? "dir" : "file"}`);
    orig.fsyncSync(fd);
  }) as typeof fs.fsyncSync;
  fs.renameSync = ((a: fs.PathLike, b: fs.PathLike) => {
    calls.push("rename");
    orig.renameSync(a, b);
  }) as typeof fs.renameSync;
  syncBuiltinESMExports();
  try {
    // Imported after the spies are in place, so its bindings see them.
    const { writeFileAtomic } = await import("../../src/util/atomic.js");
    writeFileAtomic(join(work, "a.json"), "{}");
  } finally {
    Object.assign(fs, orig);
    syncBuiltinESMExports();
  }
  assert.equal(readFileSync(join(work, "a.json"), "utf8"), "{}");
  assert.deepEqual(calls, ["fsync file", "rename", "fsync dir"]);
});
