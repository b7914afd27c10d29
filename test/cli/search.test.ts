/** search and translate on a tiny parallel-text run trained in the test. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadBpe } from "../../src/vocab/file.js";
import { repronet, stderrLines } from "../helpers/cli.js";

const work = mkdtempSync(join(tmpdir(), "repronet-search-"));
after(() => rmSync(work, { recursive: true, force: true }));

const run = join(work, "run");

before(() => {
  const vocab = join(work, "bpe.json");
  const learn = repronet([
    "vocab",
    "learn",
    "--merges",
    "50",
    "--out",
    vocab,
    "test/fixtures/text/tiny.en",
    "test/fixtures/text/tiny.de",
  ]);
  assert.equal(learn.code, 0, learn.stderr);
  const dim = loadBpe(vocab).size;
  const config = JSON.parse(readFileSync("examples/transformer-base.json", "utf8"));
  const data = {
    class: "parallel_text",
    source: "test/fixtures/text/tiny.en",
    target: "test/fixtures/text/tiny.de",
    vocab,
  };
  Object.assign(config, {
    train: data,
    dev: data,
    // Enough steps to learn the five pairs by heart, so that every sentence has its
    // own hypothesis and a mix-up of sentences or lines shows.
    num_epochs: 60,
    learning_rate: 0.005,
    learning_rate_control: "constant",
    extern_data: { data: { dim, sparse: true }, classes: { dim, sparse: true } },
  });
  const file = join(work, "config.json");
  writeFileSync(file, JSON.stringify(config));
  const t = repronet(["train", file, "--out", run]);
  assert.equal(t.code, 0, t.stderr);
});

const sources = readFileSync("test/fixtures/text/tiny.en", "utf8").trimEnd().split("\n");
const references = readFileSync("test/fixtures/text/tiny.de", "utf8").trimEnd().split("\n");

/** The reference sentence sharing the most words with `hyp` (the model learnt the pairs by heart). */
function closestReference(hyp: string): number {
  const words = new Set(hyp.split(/\s+/));
  const overlap = references.map((r) => r.split(/\s+/).filter((w) => words.has(w)).length);
  return overlap.indexOf(Math.max(...overlap));
}

test("search writes one decoded hypothesis per dataset sequence, in order", () => {
  const out = join(work, "hyps.txt");
  const r = repronet(["search", run, "--data", "dev", "--beam", "3", "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  const lines = readFileSync(out, "utf8").split("\n");
  assert.equal(lines.pop(), "", "ends with a newline");
  assert.equal(lines.length, references.length);
  // Decoded: words of the target language, not subword ids or pieces.
  for (const line of lines) assert.doesNotMatch(line, /^\d+( \d+)*$|▁|@@/);
  assert.deepEqual(lines.map(closestReference), [0, 1, 2, 3, 4]);
});

test("search is deterministic: same hypotheses twice and with another batch size", () => {
  const a = repronet(["search", run, "--data", "dev"]);
  const b = repronet(["search", run, "--data", "dev", "--max-seqs", "2"]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
});

test("translate reads raw text lines and writes the translation of each, line for line", () => {
  const order = [3, 0, 4, 1];
  const r = repronet(["translate", run, "--beam", "2"], `${order.map((i) => sources[i]).join("\n")}\n`);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  assert.equal(lines.pop(), "");
  assert.deepEqual(lines.map(closestReference), order);
  // One sentence alone gives the line it got in the batch.
  const alone = repronet(["translate", run, "--beam", "2"], `${sources[4]}\n`);
  assert.equal(alone.stdout, `${lines[2]}\n`);
});

test("an unknown dataset key is a one-line error", () => {
  const r = repronet(["search", run, "--data", "tst"]);
  assert.notEqual(r.code, 0);
  assert.deepEqual(stderrLines(r.stderr).length, 1);
  assert.match(stderrLines(r.stderr)[0], /^error: .*no dataset "tst"/);
});

test("a vocab file replaced after training (another size) is an error, not garbage output", () => {
  const vocab = join(work, "bpe.json");
  const saved = readFileSync(vocab);
  const smaller = repronet([
    "vocab",
    "learn",
    "--merges",
    "20",
    "--out",
    vocab,
    "test/fixtures/text/tiny.en",
  ]);
  assert.equal(smaller.code, 0, smaller.stderr);
  try {
    for (const r of [repronet(["translate", run], "A dog.\n"), repronet(["search", run, "--data", "dev"])]) {
      assert.equal(r.code, 1, r.stderr);
      assert.deepEqual(stderrLines(r.stderr).length, 1);
      assert.match(
        stderrLines(r.stderr)[0],
        /^error: .*: the source vocab has \d+ ids, the model was trained with \d+ \(extern_data\.data\)/,
      );
    }
  } finally {
    writeFileSync(vocab, saved);
  }
});

test("translate refuses input that is not UTF-8 text", () => {
  const r = repronet(["translate", run], Buffer.from([0x41, 0xff, 0xfe, 0x0a]));
  assert.equal(r.code, 1);
  assert.deepEqual(stderrLines(r.stderr), [
    "error: stdin: not UTF-8 text (translate reads one sentence per line)",
  ]);
  const nul = repronet(["translate", run], "A dog.\nTwo\0men\n");
  assert.deepEqual(stderrLines(nul.stderr), ["error: stdin: line 2: a NUL byte (binary input?)"]);
});
