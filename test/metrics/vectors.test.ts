/**
 * Every case of test/fixtures/sacrebleu/vectors.jsonl (computed by sacreBLEU 2.6.0
 * with numpy 2.4.6) must be reproduced: every recorded output field is compared.
 * Floats that pass through exp/log (BLEU scores, brevity penalties, BLEU means and
 * CIs of resamples) may differ in the last bits because V8's Math.exp/Math.log
 * are not glibc's; they are compared with a relative tolerance of 1e-12.
 * Everything else (counts, lengths, TER edits, chrF and TER scores, p-values,
 * float32 bootstrap means and CIs, signatures, tokenisations) must be exact.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { runVectorCase } from "../../src/metrics/vectors.js";

const FIXTURE = "test/fixtures/sacrebleu/vectors.jsonl";
const REL_TOL = 1e-12;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Input and provenance fields: not outputs to reproduce. */
const INPUT_FIELDS = new Set([
  "id",
  "metric",
  "api",
  "options",
  "hyps",
  "refs",
  "systems",
  "metrics",
  "seed",
  "n_samples",
  "env_SACREBLEU_SEED",
  "env",
  "note",
  "results_numpy_1_24_2",
]);

function closeRel(got: number, want: number): boolean {
  return got === want || Math.abs(got - want) <= REL_TOL * Math.max(Math.abs(got), Math.abs(want));
}

/** Collects mismatches between `got` and `want`; `tol(path)` says whether a float may be approximate. */
function diff(got: unknown, want: Json, path: string, tol: (path: string) => boolean, out: string[]): void {
  if (typeof want === "number") {
    if (typeof got !== "number") out.push(`${path}: got ${JSON.stringify(got)}, want ${want}`);
    else if (tol(path) ? !closeRel(got, want) : got !== want) out.push(`${path}: got ${got}, want ${want}`);
    return;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) {
      out.push(`${path}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
      return;
    }
    want.forEach((w, i) => {
      diff(got[i], w, `${path}[${i}]`, tol, out);
    });
    return;
  }
  if (want !== null && typeof want === "object") {
    if (got === null || typeof got !== "object") {
      out.push(`${path}: got ${JSON.stringify(got)}, want an object`);
      return;
    }
    const g = got as Record<string, unknown>;
    for (const k of Object.keys(want)) diff(g[k], want[k], `${path}.${k}`, tol, out);
    return;
  }
  if (got !== want) out.push(`${path}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

/** Which float fields went through exp/log in sacreBLEU (glibc) and so may differ by an ulp here. */
function toleranceFor(metric: string): (path: string) => boolean {
  if (metric === "bleu") return (p) => p === ".score" || p === ".bp";
  if (metric === "paired_bs" || metric === "paired_ar") {
    return (p) => /^\.results\.BLEU\[\d+\]\.(score|mean|ci)$/.test(p);
  }
  return () => false;
}

const cases: Array<Record<string, Json>> = readFileSync(FIXTURE, "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l));

test("the vector file holds the expected number of cases", () => {
  assert.equal(cases.length, 58);
});

for (const c of cases) {
  test(`vector ${c.id} (${c.metric})`, () => {
    const got = runVectorCase(c);
    const mismatches: string[] = [];
    const tol = toleranceFor(String(c.metric));
    for (const [k, want] of Object.entries(c)) {
      if (INPUT_FIELDS.has(k)) continue;
      assert.ok(k in got, `the runner does not produce field "${k}"`);
      diff(got[k], want, `.${k}`, tol, mismatches);
    }
    assert.deepEqual(mismatches, []);
  });
}

test("paired p-values also equal those of the numpy 1.24 run", () => {
  for (const c of cases.filter((x) => x.metric === "paired_bs" || x.metric === "paired_ar")) {
    const got = runVectorCase(c).results as Record<string, Array<{ p_value: number | null }>>;
    const old = c.results_numpy_1_24_2 as Record<string, Array<{ p_value: number | null }>>;
    for (const name of Object.keys(old)) {
      assert.deepEqual(
        got[name].map((r) => r.p_value),
        old[name].map((r) => r.p_value),
        `${c.id} ${name}`,
      );
    }
  }
});
