import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { repronet, stderrLines } from "../helpers/cli.js";

const FIX = "test/fixtures/returnn";

test("import writes the same bytes every time", () => {
  const a = repronet(["import", `${FIX}/program.config`]);
  const b = repronet(["import", `${FIX}/program.config`]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.equal(a.stderr, b.stderr);
});

test("an imported config with a pretrain function trains on the random task", () => {
  const dir = mkdtempSync(join(tmpdir(), "repronet-import-"));
  try {
    const out = join(dir, "c.json");
    const imp = repronet(["import", `${FIX}/program.config`, "--out", out]);
    assert.equal(imp.code, 0, imp.stderr);
    const config = JSON.parse(readFileSync(out, "utf8"));
    assert.equal(config.pretrain.construction_algo.length, 2);
    const train = JSON.stringify({
      class: "synthetic",
      task: "random",
      num_seqs: 4,
      seq_len: { data: [2, 4] },
    });
    const r = repronet([
      "train",
      out,
      "--out",
      join(dir, "run"),
      "--set",
      `train=${train}`,
      "--set",
      "num_epochs=1",
      "--kernels",
      "js",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /epoch 1 score: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("import errors are one line naming the file", () => {
  const r = repronet(["import", `${FIX}/raises.config`]);
  assert.equal(r.code, 1);
  assert.deepEqual(stderrLines(r.stderr), [
    `error: ${FIX}/raises.config:6: the config raised KeyError: 'missing'`,
  ]);
});
