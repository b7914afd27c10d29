import assert from "node:assert/strict";
import { test } from "node:test";
import { Bleu } from "../../src/metrics/bleu.js";
import { Chrf } from "../../src/metrics/chrf.js";
import { parseSeed } from "../../src/metrics/seed.js";
import { pairedTest } from "../../src/metrics/significance.js";
import { Ter } from "../../src/metrics/ter.js";
import { ReproError } from "../../src/util/errors.js";

const refs = [
  ["the cat sat on the mat", "a dog barked loudly", "it rains today", "we like green tea", "see you soon"],
];
const base = ["the cat sat on a mat", "the dog barked", "it is raining today", "we like tea", "see you"];
const other = ["a cat is on the mat", "a dog barked loudly", "it rains", "we love green tea", "bye"];

test("seeds are read like Python int(), with none meaning OS entropy", () => {
  assert.deepEqual(parseSeed("12345"), { value: 12345n, text: "12345" });
  assert.deepEqual(parseSeed(" 0012 "), { value: 12n, text: "12" });
  assert.deepEqual(parseSeed("1_000"), { value: 1000n, text: "1000" });
  assert.deepEqual(parseSeed("None"), { value: null, text: "none" });
  assert.throws(() => parseSeed("-1"), ReproError);
  assert.throws(() => parseSeed("12a"), ReproError);
});

test("a system identical to the baseline gets p = 1/(n+1) in both tests", () => {
  const systems = [
    { name: "base", hyps: base },
    { name: "same", hyps: base },
  ];
  for (const testType of ["bs", "ar"] as const) {
    const out = pairedTest(systems, [new Bleu()], refs, { testType, nSamples: 99, seed: parseSeed("12345") });
    assert.equal(out.results.BLEU[1].p_value, 1 / 100);
  }
});

test("paired bootstrap reports mean and CI for every system and signatures with bs and seed", () => {
  const out = pairedTest(
    [
      { name: "base", hyps: base },
      { name: "other", hyps: other },
    ],
    [new Bleu(), new Chrf(), new Ter()],
    refs,
    { testType: "bs", nSamples: 200, seed: parseSeed("42") },
  );
  assert.deepEqual(Object.keys(out.results), ["BLEU", "chrF2", "TER"]);
  assert.equal(
    out.signatures.TER,
    "nrefs:1|bs:200|seed:42|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0",
  );
  assert.equal(out.signaturesShort.BLEU, "#:1|bs:200|rs:42|c:mixed|e:no|tok:13a|s:exp|v:2.6.0");
  const again = pairedTest(
    [
      { name: "base", hyps: base },
      { name: "other", hyps: other },
    ],
    [new Bleu(), new Chrf(), new Ter()],
    refs,
    { testType: "bs", nSamples: 200, seed: parseSeed("43") },
  );
  for (const [metric, rows] of Object.entries(out.results)) {
    assert.equal(rows[0].p_value, null);
    for (const [i, r] of rows.entries()) {
      const what = `${metric} ${r.system}`;
      // Each system's own resamples: the bootstrap mean lies near its corpus score, within
      // the 95% half-width, which is positive and below the score range.
      assert.ok(r.mean !== null && r.ci !== null, what);
      assert.ok(r.ci > 0 && r.ci < 50, `${what}: ci ${r.ci}`);
      assert.ok(Math.abs(r.mean - r.score) < r.ci, `${what}: mean ${r.mean} vs score ${r.score}`);
      // Resampling depends on the seed.
      assert.notEqual(again.results[metric][i].mean, r.mean, `${what}: seed 43 gives the same mean`);
    }
    assert.notEqual(rows[1].mean, rows[0].mean, `${metric}: systems share a mean`);
  }
});

test("approximate randomization reports no mean or CI", () => {
  const out = pairedTest(
    [
      { name: "base", hyps: base },
      { name: "other", hyps: other },
    ],
    [new Chrf()],
    refs,
    { testType: "ar", nSamples: 0, seed: parseSeed("1") },
  );
  assert.equal(
    out.signatures.chrF2,
    "nrefs:1|ar:10000|seed:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0",
  );
  assert.equal(out.results.chrF2[1].mean, null);
  assert.equal(out.results.chrF2[1].ci, null);
});

test("the same seed gives the same results", () => {
  const run = () =>
    pairedTest(
      [
        { name: "base", hyps: base },
        { name: "other", hyps: other },
      ],
      [new Bleu()],
      refs,
      { testType: "bs", nSamples: 100, seed: parseSeed("7") },
    );
  assert.deepEqual(run(), run());
});
