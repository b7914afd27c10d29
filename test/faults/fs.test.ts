/** Faults: --out paths that cannot be a run dir, missing output folders, a full disk, a read-only run dir. */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  assertFails,
  assertKept,
  baseRun,
  CONFIG,
  outcomes,
  repronet,
  snapshot,
  tiny,
  work,
} from "./harness.js";

const copyOfBase = baseRun(1);
const train = (out: string, epochs = 2) => repronet(["train", CONFIG, "--out", out, ...tiny(epochs)]);

describe("--out that cannot be a run directory", { concurrency: 3 }, () => {
  const root = work("out");
  writeFileSync(join(root, "file"), "x");
  symlinkSync(join(root, "nowhere"), join(root, "dangling"));
  const CASES: [string, string, RegExp][] = [
    ["a file", join(root, "file"), /\/file: not a directory \(the run directory/],
    ["under a file", join(root, "file", "run"), /\/file: not a directory \(the run directory/],
    ["empty", "", /the run directory must not be empty/],
    [
      "a dangling symlink",
      join(root, "dangling"),
      /\/dangling: a symbolic link to nothing, not a run directory/,
    ],
    ["under /proc", "/proc/self/nope", /^error: \/proc\/self\/nope: .*\(E[A-Z]+\)$/],
  ];
  for (const [what, out, says] of CASES)
    test(`--out ${what}: one error line`, async () => assertFails(await train(out), says));

  test("checkpoints/ being a file: one error line naming it, nothing lost", async () => {
    const out = (await copyOfBase)();
    rmSync(join(out, "checkpoints"), { recursive: true });
    writeFileSync(join(out, "checkpoints"), "x");
    const before = snapshot(out);
    assertFails(await train(out), /\/checkpoints: not a directory/);
    assertKept(before, out, /^manifest\.json$/);
  });
});

describe("output files in missing folders", { concurrency: 3 }, () => {
  const missing = join(work("missing"), "no", "such");
  const CASES: [string, (run: string, other: string) => string[], string][] = [
    [
      "average --out",
      (run) => ["average", run, "--last", "1", "--out", join(missing, "a.safetensors")],
      "a.safetensors",
    ],
    ["search --out", (run) => ["search", run, "--data", "dev", "--out", join(missing, "h.txt")], "h.txt"],
    ["compare --plot", (run, other) => ["compare", run, other, "--plot", join(missing, "p.svg")], "p.svg"],
  ];
  for (const [what, args, file] of CASES)
    test(what, async () => {
      const r = await repronet(args((await copyOfBase)(), (await copyOfBase)()));
      const name = file.replace(/[.]/g, "\\.");
      assertFails(r, new RegExp(`no/such/${name}: no such file or directory \\(ENOENT\\)`));
    });
});

/** A small tmpfs (root only): skipped with a message where it cannot be mounted. */
function tmpfs(size: string): string | null {
  const dir = work("tmpfs");
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  if (r.status !== 0) return null;
  after(() => {
    spawnSync("umount", [dir]);
  });
  return dir;
}
const NO_TMPFS = "cannot mount a tmpfs here (needs root): disk-full and read-only cases not run";

test("a full disk: one error line naming the file, the run's earlier files intact, outcome failed", async (t) => {
  const disk = tmpfs("800k");
  if (!disk) return t.skip(NO_TMPFS);
  const out = join(disk, "run");
  cpSync((await copyOfBase)(), out, { recursive: true });
  const before = snapshot(out);
  const r = await train(out);
  assertFails(r, /: no space left on the device \(ENOSPC\)$/);
  assertKept(before, out, /^(manifest\.json|learning_rates\.json|train\.jsonl)$/);
  assert.deepEqual(outcomes(out), ["finished", "failed"]);
});

test("a read-only run dir: one error line (EROFS), nothing changed", async (t) => {
  const disk = tmpfs("2m");
  if (!disk) return t.skip(NO_TMPFS);
  const out = join(disk, "run");
  cpSync((await copyOfBase)(), out, { recursive: true });
  mkdirSync(join(disk, "x"));
  execFileSync("mount", ["-o", "remount,ro", disk]);
  const before = snapshot(out);
  assertFails(await train(out), new RegExp(`^error: ${out}/\\.lock: read-only file system \\(EROFS\\)$`));
  assertKept(before, out);
});
