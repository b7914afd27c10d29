import assert from "node:assert/strict";
import { mkdtempSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ensureDir, fsErrorLine } from "../../src/rundir/index.js";

const tmp = () => mkdtempSync(join(tmpdir(), "repronet-layout-"));

test("ensureDir creates missing parents", () => {
  const dir = join(tmp(), "a", "b");
  ensureDir(dir);
  assert.ok(statSync(dir).isDirectory());
});

test("ensureDir names what is in the way: a file, a file above, a dangling link, nothing", () => {
  const root = tmp();
  writeFileSync(join(root, "f"), "x");
  symlinkSync(join(root, "nowhere"), join(root, "link"));
  assert.throws(
    () => ensureDir(join(root, "f"), "run directory"),
    /\/f: not a directory \(the run directory/,
  );
  assert.throws(() => ensureDir(join(root, "f", "sub")), /\/f: not a directory/);
  assert.throws(() => ensureDir(join(root, "link")), /\/link: a symbolic link to nothing/);
  assert.throws(() => ensureDir("", "run directory"), /the run directory must not be empty/);
});

test("ensureDir under /proc fails with one line instead of looping", {
  skip: process.platform !== "linux",
}, () => {
  assert.throws(() => ensureDir("/proc/self/nope/deeper"), /\/proc\/self\/nope: .*\(E[A-Z]+\)/);
});

test("a file-system error becomes one line naming the path and the cause", () => {
  const e = Object.assign(new Error("ENOSPC: no space left on device, write"), {
    code: "ENOSPC",
    syscall: "write",
  });
  assert.equal(fsErrorLine(e, "D/manifest.json"), "D/manifest.json: no space left on the device (ENOSPC)");
});
