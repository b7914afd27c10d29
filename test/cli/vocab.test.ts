import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { Command, CommanderError } from "commander";
import { buildProgram } from "../../src/cli/main.js";
import { registerVocab } from "../../src/cli/vocab.js";
import { ReproError } from "../../src/util/errors.js";
import { bpeToJson, learnBpe, loadBpe } from "../../src/vocab/index.js";

const FIX = "test/fixtures/text";
const dir = mkdtempSync(join(tmpdir(), "repronet-vocab-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Ran {
  stdout: string;
  stderr: string;
}

/** Runs `repronet vocab ARGS` with `stdin` through a fresh program. */
function run(args: string[], stdin: string | Uint8Array = "", progress = false): Ran {
  const out: Ran = { stdout: "", stderr: "" };
  const program = new Command("repronet")
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerVocab(program, {
    stdin: () => (typeof stdin === "string" ? Buffer.from(stdin, "utf8") : stdin),
    stdout: (t) => (out.stdout += t),
    stderr: (t) => (out.stderr += t),
    progress,
  });
  for (const c of program.commands) c.exitOverride();
  for (const c of program.commands.flatMap((c) => c.commands)) {
    c.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  }
  program.parse(["vocab", ...args], { from: "user" });
  return out;
}

function throwsRepro(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof ReproError, String(e));
    assert.match(e.message, message);
    assert.ok(!e.message.includes("\n"), e.message);
    return true;
  });
}

const lines = (path: string) => readFileSync(path, "utf8").split("\n").slice(0, -1);
const VOCAB = join(dir, "joint.json");
const learned = run(["learn", "--merges", "40", "--out", VOCAB, `${FIX}/tiny.en`, `${FIX}/tiny.de.gz`]);

test("learn writes a joint vocab over plain and gzip files, as learnBpe would", () => {
  const expected = learnBpe([...lines(`${FIX}/tiny.en`), ...lines(`${FIX}/tiny.de`)], 40);
  assert.equal(readFileSync(VOCAB, "utf8"), bpeToJson(expected));
  assert.match(learned.stdout, /joint\.json: 40 merges, 333 ids \(35 characters, 256 bytes\), 10 lines, /);
});

test("learn gives the same bytes every time", () => {
  const again = join(dir, "again.json");
  run(["learn", "--merges", "40", "--out", again, `${FIX}/tiny.en`, `${FIX}/tiny.de.gz`]);
  assert.equal(readFileSync(again, "utf8"), readFileSync(VOCAB, "utf8"));
});

test("learn says when it ran out of pairs before the requested merges", () => {
  const out = run(["learn", "--merges", "1000", "--out", join(dir, "short.json"), `${FIX}/tiny.en`]).stdout;
  assert.match(out, /short\.json: \d+ merges \(no further pair occurs 2 times; 1000 requested\), /);
});

test("learn options reach the model", () => {
  const path = join(dir, "opts.json");
  run([
    "learn",
    "--merges",
    "5",
    "--min-frequency",
    "1",
    "--no-byte-fallback",
    "--no-split-classes",
    "--out",
    path,
    `${FIX}/tiny.en`,
  ]);
  const model = loadBpe(path);
  assert.equal(model.merges.length, 5);
  assert.equal(model.byteFallback, false);
  assert.equal(model.splitClasses, false);
});

const TRICKY = [
  "Two dogs run.",
  "  leading and trailing  ",
  "tab\there",
  "Straße 🙂 \u2581x",
  "",
  "Zwei Männer spielen Fußball.",
];

test("encode then decode gives back the exact text", () => {
  const ids = run(["encode", "--vocab", VOCAB], `${TRICKY.join("\n")}\n`).stdout;
  assert.match(ids.split("\n")[0], /^\d+( \d+)*$/);
  assert.equal(run(["decode", "--vocab", VOCAB], ids).stdout, `${TRICKY.join("\n")}\n`);
});

test("encode --pieces writes pieces that decode --pieces reads back", () => {
  const pieces = run(["encode", "--vocab", VOCAB, "--pieces"], "Two dogs.\n").stdout;
  assert.equal(pieces, "▁T wo ▁ dogs .\n");
  assert.equal(run(["decode", "--vocab", VOCAB, "--pieces"], pieces).stdout, "Two dogs.\n");
});

test("decode stops at </s> (id 0)", () => {
  const ids = run(["encode", "--vocab", VOCAB], "Two dogs.\n").stdout.trim();
  assert.equal(run(["decode", "--vocab", VOCAB], `${ids} 0 5 6\n`).stdout, "Two dogs.\n");
});

test("progress goes to stderr only when it is a terminal", () => {
  const args = ["learn", "--merges", "3", "--out", join(dir, "p.json"), `${FIX}/tiny.en`];
  assert.equal(run(args).stderr, "");
  assert.match(run(args, "", true).stderr, /vocab learn: /);
});

test("bad numbers are errors naming the option", () => {
  throwsRepro(
    () => run(["learn", "--merges", "many", "--out", join(dir, "x.json"), `${FIX}/tiny.en`]),
    /^--merges must be an integer >= 0, got "many"$/,
  );
  throwsRepro(
    () =>
      run(["learn", "--merges", "3", "--min-frequency", "0", "--out", join(dir, "x.json"), `${FIX}/tiny.en`]),
    /^--min-frequency must be an integer >= 1, got "0"$/,
  );
});

test("a missing required option is a usage error", () => {
  assert.throws(
    () => run(["learn", "--merges", "3", `${FIX}/tiny.en`]),
    (e: Error) => {
      assert.ok(e instanceof CommanderError);
      assert.match(e.message, /--out/);
      return true;
    },
  );
});

test("unreadable input files and vocab files are errors naming them", () => {
  throwsRepro(
    () => run(["learn", "--merges", "3", "--out", join(dir, "x.json"), `${FIX}/nope.txt`]),
    /^cannot read "test\/fixtures\/text\/nope\.txt": no such file$/,
  );
  throwsRepro(
    () => run(["learn", "--merges", "3", "--out", join(dir, "x.json"), `${FIX}/bad-utf8.de`]),
    /^test\/fixtures\/text\/bad-utf8\.de:3: invalid UTF-8/,
  );
  throwsRepro(
    () => run(["encode", "--vocab", join(dir, "nope.json")], "a\n"),
    /^cannot read vocab file ".*nope\.json": no such file$/,
  );
  throwsRepro(
    () => run(["decode", "--vocab", `${FIX}/tiny.en`], "1\n"),
    /^test\/fixtures\/text\/tiny\.en: not a JSON vocab file/,
  );
  throwsRepro(
    () => run(["learn", "--merges", "3", "--out", join(dir, "no", "dir", "x.json"), `${FIX}/tiny.en`]),
    /^cannot write vocab file ".*x\.json": ENOENT$/,
  );
});

test("bad stdin is an error naming the line", () => {
  throwsRepro(
    () => run(["encode", "--vocab", VOCAB], Buffer.from([0x61, 0x0a, 0xc3, 0x28, 0x0a])),
    /^<stdin>:2: invalid UTF-8 \(byte 0xc3 at byte column 1\)$/,
  );
  throwsRepro(() => run(["decode", "--vocab", VOCAB], "5 6\n7 x\n"), /^<stdin>:2: "x" is not an id$/);
  throwsRepro(
    () => run(["decode", "--vocab", VOCAB], "5 99999\n"),
    /^<stdin>:1: id 99999 is out of range \[0, \d+\)$/,
  );
  throwsRepro(() => run(["decode", "--vocab", VOCAB, "--pieces"], "▁  .\n"), /^<stdin>:1: unknown piece ""$/);
});

test("the repronet program has the vocab command", () => {
  const vocab = buildProgram().commands.find((c) => c.name() === "vocab");
  assert.ok(vocab);
  assert.deepEqual(
    vocab.commands.map((c) => c.name()),
    ["learn", "encode", "decode"],
  );
});
