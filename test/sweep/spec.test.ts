import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadSpec, parseSpec } from "../../src/sweep/spec.js";
import { ReproError } from "../../src/util/errors.js";

const work = mkdtempSync(join(tmpdir(), "repronet-spec-"));
after(() => rmSync(work, { recursive: true, force: true }));

const ok = { base: "base.json", variants: { a: {}, b: { set: { learning_rate: 0.002 } } }, seeds: [1, 2] };
const fails = (raw: unknown, message: RegExp) =>
  assert.throws(
    () => parseSpec(raw, "spec.json"),
    (e: unknown) => e instanceof ReproError && message.test(e.message) && !e.message.includes("\n"),
  );

test("an unknown key in a variant is one line naming the variant, with a did-you-mean hint", () => {
  fails(
    { ...ok, variants: { a: {}, b: { sett: { learning_rate: 1 } } } },
    /^spec\.json: unknown key "sett" in variant "b" \(did you mean "set"\?\)/,
  );
});

test("an unknown top-level key is named with a hint", () => {
  fails({ ...ok, seed: [1] }, /^spec\.json: unknown key "seed" in the SPEC \(did you mean "seeds"\?\)/);
});

test("duplicate seeds are an error naming the seed", () => {
  fails({ ...ok, seeds: [1, 2, 1] }, /^spec\.json: seeds: 1 appears more than once$/);
});

test("a missing base is named", () => {
  fails({ variants: ok.variants, seeds: [1] }, /^spec\.json: missing key "base"$/);
});

test("a baseline that is no variant is an error with a hint", () => {
  fails({ ...ok, baseline: "bb" }, /^spec\.json: baseline "bb" is no variant \(did you mean "b"\?\)/);
});

test("variant names must be usable as directory names", () => {
  fails({ ...ok, variants: { "../x": {} } }, /^spec\.json: variant name "\.\.\/x" is not a directory name/);
});

test("no variants is an error", () => {
  fails({ ...ok, variants: {} }, /name at least one variant/);
});

test("config paths resolve against the SPEC's directory; sweep-wide overrides come before the variant's", () => {
  const s = parseSpec(
    {
      ...ok,
      set: { "train.num_seqs": 8 },
      num_epochs: 3,
      variants: { a: {}, b: { config: "b.json", set: { x: "y" } } },
    },
    join(work, "sub", "spec.json"),
  );
  assert.equal(s.baseline, "a");
  assert.deepEqual(
    s.variants.map((v) => [v.name, v.config, v.sets]),
    [
      ["a", join(work, "sub", "base.json"), ["train.num_seqs=8", "num_epochs=3"]],
      ["b", join(work, "sub", "b.json"), ["train.num_seqs=8", "num_epochs=3", 'x="y"']],
    ],
  );
});

test("a TS SPEC's default export is read like JSON", async () => {
  const file = join(work, "spec.ts");
  writeFileSync(
    file,
    `const seeds: number[] = [3, 4];\nexport default { base: "base.json", variants: { only: {} }, seeds };\n`,
  );
  const s = await loadSpec(file);
  assert.deepEqual(s.seeds, [3, 4]);
  assert.deepEqual(
    s.variants.map((v) => v.name),
    ["only"],
  );
});
