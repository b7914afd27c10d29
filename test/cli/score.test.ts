import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { gzipSync } from "node:zlib";
import { Command, CommanderError } from "commander";
import { registerScore } from "../../src/cli/score.js";
import { ReproError } from "../../src/util/errors.js";

const dir = mkdtempSync(join(tmpdir(), "repronet-score-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

// sacreBLEU's README example; the expected numbers below come from running sacreBLEU 2.6.0 on these files.
const ref1 = file("ref1.txt", ["The dog bit the man.", "It was not unexpected.", "The man bit him first."]);
const ref2 = file("ref2.txt", [
  "The dog had bit the man.",
  "No one was surprised.",
  "The man had bitten the dog.",
]);
const hyp = file("hyp.txt", [
  "The dog bit the man.",
  "It wasn't surprising.",
  "The man had just bitten him.",
]);
const hyp2 = file("hyp2.txt", ["The dog bit a man.", "It was surprising.", "The man bit him."]);

/** Runs `repronet score ARGS` through a fresh program and returns what it printed. */
function run(args: string[], env: Record<string, string> = {}): string {
  let out = "";
  const program = new Command("repronet")
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerScore(program, { stdout: (t) => (out += t), env });
  program.parse(["score", ...args], { from: "user" });
  return out;
}

type Json = Record<string, unknown>;
function metricsOf(out: string, system = 0): Record<string, Json> {
  return (JSON.parse(out) as { systems: Array<{ metrics: Record<string, Json> }> }).systems[system].metrics;
}

test("JSON output carries BLEU's score, signature, counts, totals, bp and lengths", () => {
  const bleu = metricsOf(run([ref1, ref2, "-i", hyp])).BLEU;
  assert.ok(Math.abs((bleu.score as number) - 48.530827009929865) < 1e-12);
  assert.equal(bleu.signature, "nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0");
  assert.deepEqual(bleu.counts, [14, 7, 5, 3]);
  assert.deepEqual(bleu.totals, [17, 14, 11, 8]);
  assert.equal(bleu.sys_len, 17);
  assert.equal(bleu.ref_len, 18);
  assert.ok(Math.abs((bleu.bp as number) - 0.9428731438548749) < 1e-15);
});

test("text output matches sacreBLEU's single-system lines", () => {
  const out = run([ref1, ref2, "-i", hyp, "-m", "ter", "bleu", "chrf", "-f", "text"]);
  assert.equal(
    out,
    [
      "        BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = 48.5 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)",
      "      chrF2|nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0 = 59.7",
      "TER|nrefs:2|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0 = 40.0",
      "",
    ].join("\n"),
  );
});

test("sacreBLEU's multi-letter flags -tok and -lc are accepted", () => {
  const bleu = metricsOf(run([ref1, ref2, "-i", hyp, "-tok", "intl", "-lc"])).BLEU;
  assert.equal(bleu.signature, "nrefs:2|case:lc|eff:no|tok:intl|smooth:exp|version:2.6.0");
});

test("--chrf-word-order 2 computes chrF++", () => {
  const m = metricsOf(run([ref1, ref2, "-i", hyp, "-m", "chrf", "--chrf-word-order", "2"]));
  assert.deepEqual(Object.keys(m), ["chrF2++"]);
  assert.equal(m["chrF2++"].signature, "nrefs:2|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0");
});

test("a paired bootstrap test matches sacreBLEU's p-values, means and CIs", () => {
  const out = run([ref1, ref2, "-i", hyp, hyp2, "-m", "bleu", "chrf", "-pbs", "-pbsn", "100"]);
  const report = JSON.parse(out) as {
    test: Json;
    systems: Array<{ baseline: boolean; metrics: Record<string, Json> }>;
  };
  assert.deepEqual(report.test, { type: "bs", n_samples: 100, seed: "12345" });
  assert.equal(report.systems[0].baseline, true);
  const [base, other] = report.systems.map((s) => s.metrics);
  assert.equal(base.BLEU.p_value, null);
  assert.equal(other.BLEU.p_value, 0.26732673267326734);
  assert.equal(other.chrF2.p_value, 0.46534653465346537);
  assert.equal((base.chrF2.mean as number).toFixed(1), "61.7");
  assert.equal((other.chrF2.ci as number).toFixed(1), "6.7");
  assert.equal(
    other.BLEU.signature,
    "nrefs:2|bs:100|seed:12345|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0",
  );
});

test("paired text output lists scores, means, CIs and p-values", () => {
  const out = run([ref1, ref2, "-i", hyp, hyp2, "-m", "bleu", "-pbs", "-pbsn", "100", "-f", "text"]);
  assert.match(out, /Baseline: .*hyp\.txt\tBLEU = 48\.5 \(μ = 48\.9 ± 46\.8\)/);
  assert.match(out, /hyp2\.txt\tBLEU = 35\.8 \(μ = 35\.5 ± 16\.4\) \(p = 0\.2673\)\n/);
});

test("the seed comes from SACREBLEU_SEED unless --seed is given", () => {
  const args = [ref1, ref2, "-i", hyp, hyp2, "--paired-ar", "--paired-ar-n", "50"];
  const fromEnv = JSON.parse(run(args, { SACREBLEU_SEED: "7" })) as { test: Json };
  assert.equal(fromEnv.test.seed, "7");
  const fromFlag = JSON.parse(run([...args, "--seed", "9"], { SACREBLEU_SEED: "7" })) as { test: Json };
  assert.equal(fromFlag.test.seed, "9");
  assert.equal(metricsOf(run(args, { SACREBLEU_SEED: "7" }), 1).BLEU.mean, null);
});

test("gzipped inputs are read", () => {
  const gz = join(dir, "hyp.txt.gz");
  writeFileSync(gz, gzipSync(readFileSync(hyp)));
  assert.equal(metricsOf(run([ref1, ref2, "-i", gz])).BLEU.sys_len, 17);
});

test("--vectors prints one JSON result per case", () => {
  const lines = readFileSync("test/fixtures/sacrebleu/vectors.jsonl", "utf8").split("\n");
  const vec = file("v.jsonl", [lines[0], lines[31]]);
  const out = run(["--vectors", vec]).trim().split("\n");
  assert.equal(out.length, 2);
  const first = JSON.parse(out[0]) as Json;
  assert.equal(first.id, "bleu_readme_2refs_13a");
  assert.deepEqual(first.counts, [14, 7, 5, 3]);
  const ter = JSON.parse(out[1]) as Json;
  assert.equal(ter.id, "ter_empty_hyp");
  assert.equal(ter.num_edits, 1);
});

function throwsRepro(args: string[], pattern: RegExp): void {
  assert.throws(
    () => run(args),
    (e: unknown) => e instanceof ReproError && pattern.test(e.message),
  );
}

test("a missing file is a user error naming the file", () => {
  throwsRepro([ref1, "-i", join(dir, "nope.txt")], /hypothesis file ".*nope\.txt": no such file/);
  throwsRepro([join(dir, "noref.txt"), "-i", hyp], /reference file ".*noref\.txt": no such file/);
});

test("a line count mismatch names both files", () => {
  const short = file("short.txt", ["only one line"]);
  throwsRepro([ref1, "-i", short], /short\.txt" has 1 lines but reference file ".*ref1\.txt" has 3/);
});

test("unknown metrics, tokenizers and formats are user errors with hints", () => {
  throwsRepro([ref1, "-i", hyp, "-m", "blue"], /unknown metric "blue".*did you mean "bleu"/);
  throwsRepro([ref1, "-i", hyp, "-tok", "13b"], /unknown tokenizer "13b".*did you mean "13a"/);
  throwsRepro([ref1, "-i", hyp, "-f", "jsn"], /unknown format "jsn".*did you mean "json"/);
});

test("paired tests need two systems and only one test type", () => {
  throwsRepro([ref1, "-i", hyp, "--paired-bs"], /paired tests need a baseline and at least one more system/);
  throwsRepro([ref1, "-i", hyp, hyp2, "--paired-bs", "--paired-ar"], /exclude each other/);
});

test("a bad seed is a user error naming its source", () => {
  assert.throws(
    () => run([ref1, "-i", hyp, hyp2, "-pbs", "-pbsn", "10"], { SACREBLEU_SEED: "x1" }),
    (e: unknown) => e instanceof ReproError && /SACREBLEU_SEED/.test(e.message),
  );
});

test("unknown options are commander errors, not process exits", () => {
  assert.throws(() => run([ref1, "-i", hyp, "--bogus"]), CommanderError);
});
