import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { Command } from "commander";
import { registerScore } from "../../src/cli/score.js";
import { alignCounts, ErrorRate, errorRateTokens } from "../../src/metrics/wer.js";
import { ReproError } from "../../src/util/errors.js";

const words = (s: string) => errorRateTokens(s, "word");

test("alignment counts substitutions, deletions, insertions and hits (hand-derived)", () => {
  assert.deepEqual(alignCounts(words("the cat sat on the mat"), words("the cat sit on mat")), {
    substitutions: 1,
    deletions: 1,
    insertions: 0,
    hits: 4,
  });
  assert.deepEqual(alignCounts(words("a b"), words("a x b")), {
    substitutions: 0,
    deletions: 0,
    insertions: 1,
    hits: 2,
  });
  assert.deepEqual(alignCounts(words("a b c"), words("")), {
    substitutions: 0,
    deletions: 3,
    insertions: 0,
    hits: 0,
  });
  assert.deepEqual(alignCounts(words(""), words("x y")), {
    substitutions: 0,
    deletions: 0,
    insertions: 2,
    hits: 0,
  });
});

test("WER splits on whitespace runs; CER keeps inner spaces and strips the ends", () => {
  assert.deepEqual(words("  hello   big world "), ["hello", "big", "world"]);
  assert.deepEqual(errorRateTokens(" ab c ", "char"), ["a", "b", " ", "c"]);
});

test("the corpus score is Σ(S + D + I) / Σ(S + D + H) in percent", () => {
  const wer = new ErrorRate("word");
  const { rows } = wer.corpusStats(["hello duck", "one two three four"], [["hello world", "one two three"]]);
  const sums = [0, 1, 2, 3].map((k) => rows.reduce((s, r) => s + r[k], 0));
  assert.deepEqual(sums, [1, 0, 1, 4]); // S 1, D 0, I 1, H 4; reference words 5
  assert.equal(wer.scoreFromStats(sums), 40);
  const cer = new ErrorRate("char");
  const c = cer.corpusStats(["abd d"], [["abc d"]]).rows[0];
  assert.equal(cer.scoreFromStats(c), 20);
});

test("more than one reference stream is an error", () => {
  assert.throws(
    () => new ErrorRate("word").corpusStats(["a"], [["a"], ["b"]]),
    (e) => e instanceof ReproError && /exactly one reference/.test(e.message),
  );
});

const dir = mkdtempSync(join(tmpdir(), "repronet-wer-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("repronet score -m wer cer reports the score with S, D, I counts", () => {
  const ref = join(dir, "ref.txt");
  const hyp = join(dir, "hyp.txt");
  writeFileSync(ref, "one two three\nfour five\n");
  writeFileSync(hyp, "one too three\nfour five six\n");
  let out = "";
  const program = new Command("repronet")
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerScore(program, { stdout: (t) => (out += t), env: {} });
  program.parse(["node", "repronet", "score", ref, "-i", hyp, "-m", "wer", "cer"]);
  const report = JSON.parse(out) as { systems: { metrics: Record<string, Record<string, number>> }[] };
  const wer = report.systems[0].metrics.WER;
  assert.equal(wer.score, 40);
  assert.deepEqual([wer.substitutions, wer.deletions, wer.insertions, wer.ref_length], [1, 0, 1, 5]);
  // Characters: "two"→"too" is 1 substitution; " six" 4 insertions; reference chars 13 + 9.
  assert.equal(report.systems[0].metrics.CER.score, (100 * 5) / 22);
});
