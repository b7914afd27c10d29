import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { poolSize, shellQuote } from "../../src/cli/sweep.js";
import { repronet, stderrLines } from "../helpers/cli.js";
import { tinySpec, writeSpec } from "../helpers/sweep.js";

const work = mkdtempSync(join(tmpdir(), "repronet-cli-sweep-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** Runs a sweep of `spec` and expects one error line matching `message`, and no sweep directory. */
function refused(spec: unknown, message: RegExp, name: string): void {
  const out = join(work, `out-${name}`);
  const r = repronet(["sweep", writeSpec(work, spec, `${name}.json`), "--out", out]);
  assert.equal(r.code, 1, r.stdout);
  const lines = stderrLines(r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], message);
  assert.equal(existsSync(out), false, "nothing may run (or be written) for a bad SPEC");
}

test("an unknown variant key is a one-line error before anything runs", () => {
  refused(
    tinySpec(1, [1], { a: { confg: "x.json" } }),
    /^error: .*unknown key "confg" in variant "a" \(did you mean "config"\?\)/,
    "key",
  );
});

test("duplicate seeds are a one-line error before anything runs", () => {
  refused(tinySpec(1, [1, 1]), /^error: .*seeds: 1 appears more than once$/, "seeds");
});

test("a variant config that does not load is a one-line error before anything runs", () => {
  refused(
    tinySpec(1, [1], { a: {}, b: { config: join(work, "nope.json") } }),
    /^error: variant "b": .*nope\.json: no such file$/,
    "config",
  );
});

test("--dry-run prints each train command and writes nothing", () => {
  const out = join(work, "dry");
  const r = repronet([
    "sweep",
    writeSpec(work, tinySpec(1, [1, 2]), "dry.json"),
    "--out",
    out,
    "--dry-run",
    "--threads",
    "1",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines[0], "4 runs (2 variants × 2 seeds), baseline base");
  assert.equal(lines.length, 5);
  assert.match(
    lines[4],
    / train \S+transformer-zero-eval\.json --out \S+dry\/zero-eval\/seed-2 .*--set random_seed=2 --threads 1$/,
  );
  assert.equal(existsSync(out), false);
});

test("sweep without --out and status of a directory that is no sweep are one-line errors", () => {
  const a = repronet(["sweep", "spec.json"]);
  assert.deepEqual(stderrLines(a.stderr), ["error: sweep needs --out DIR (the sweep directory)"]);
  const b = repronet(["sweep", "status", work]);
  assert.equal(b.code, 1);
  assert.match(
    stderrLines(b.stderr)[0],
    /^error: .*: no sweep\.json \(not a directory written by repronet sweep\)$/,
  );
});

test("by default jobs × threads stays within the cores", () => {
  assert.deepEqual(poolSize(9, 8), { jobs: 8, threads: 1 });
  assert.deepEqual(poolSize(2, 8), { jobs: 2, threads: 4 });
  assert.deepEqual(poolSize(9, 8, undefined, 3), { jobs: 2, threads: 3 });
  assert.deepEqual(poolSize(9, 8, 3), { jobs: 3, threads: 2 });
  assert.deepEqual(poolSize(9, 1, undefined, 4), { jobs: 1, threads: 4 });
});

test("shell quoting leaves plain words alone and quotes the rest", () => {
  assert.equal(shellQuote("num_epochs=3"), "num_epochs=3");
  assert.equal(shellQuote('x={"a": 1}'), `'x={"a": 1}'`);
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
});
