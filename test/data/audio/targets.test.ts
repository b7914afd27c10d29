import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { targetsFromConfig } from "../../../src/data/audio/targets.js";

function bpeFiles(labels: string[]): { bpe_file: string; vocab_file: string } {
  const dir = mkdtempSync(join(tmpdir(), "repronet-bpe-"));
  const bpe_file = join(dir, "codes.bpe");
  const vocab_file = join(dir, "vocab.txt");
  writeFileSync(bpe_file, "#version: 0.2\nt h\nth e</w>\ne r</w>\n");
  writeFileSync(vocab_file, `{${labels.map((l, i) => `${JSON.stringify(l)}: ${i}`).join(", ")}}\n`);
  return { bpe_file, vocab_file };
}

test("BytePairEncoding targets (or any with a bpe_file): BPE pieces mapped by the vocab, decoded without @@", () => {
  const files = bpeFiles(["<s>", "the", "th@@", "er", "e", "UNK"]);
  for (const spec of [{ class: "BytePairEncoding", ...files }, files]) {
    const t = targetsFromConfig(spec, "train");
    assert.equal(t.numLabels, 6);
    const ids = t.encode("the ther", "seq 1");
    assert.deepEqual(Array.from(ids), [1, 2, 3]);
    assert.equal(t.decode(ids), "the ther");
  }
});

test("a BPE piece outside the vocabulary is UNK when the vocab has it, else an error naming piece and sequence", () => {
  const withUnk = targetsFromConfig(bpeFiles(["the", "UNK"]), "train");
  assert.deepEqual(Array.from(withUnk.encode("the x", "seq 1")), [0, 1]);
  const noUnk = targetsFromConfig(bpeFiles(["the"]), "train");
  assert.throws(
    () => noUnk.encode("the x", "train.zip: sequence s7"),
    /train.zip: sequence s7: BPE piece "x" is not in the vocabulary/,
  );
  assert.throws(
    () => targetsFromConfig({ class: "BytePairEncoding", vocab_file: bpeFiles(["a"]).vocab_file }, "train"),
    /train: BytePairEncoding targets need a "bpe_file"/,
  );
});
