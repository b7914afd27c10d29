/** RETURNN's `cheating` in beam search: the last beam slot always holds the reference prefix. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { buildNetwork } from "../../src/network/network.js";
import { Beams } from "../../src/search/beam.js";
import { Tensor, tidy } from "../../src/tensor/tensor.js";

const lp = (rows: number[][]) => Float32Array.from(rows.flat(), Math.log);

test("with gold labels the last slot extends the reference with its score; the others are the best K-1", () => {
  const beams = new Beams(1, 2);
  // Step 0: only row 0 is live. Reference label 2 (p = 0.1) is not among the best.
  let step = beams.advance(
    lp([
      [0.6, 0.3, 0.1],
      [1 / 3, 1 / 3, 1 / 3],
    ]),
    3,
    Int32Array.of(2),
  );
  assert.deepEqual([...step.labels], [0, 2]);
  assert.deepEqual([...step.from], [0, 0]);
  assert.ok(Math.abs(beams.scores[1] - Math.log(0.1)) < 1e-6);
  // Step 1: the reference continues from the last slot (row 1), label 1.
  step = beams.advance(
    lp([
      [0.9, 0.05, 0.05],
      [0.2, 0.1, 0.7],
    ]),
    3,
    Int32Array.of(1),
  );
  assert.deepEqual([...step.labels], [0, 1]);
  assert.deepEqual([...step.from], [0, 1]);
  assert.ok(Math.abs(beams.scores[1] - Math.log(0.1 * 0.1)) < 1e-6);
});

test('cheating "exclusive": the reference\'s extension is only in the last slot, never also among the best K-1', () => {
  // Reference label 1 is the best continuation: plain cheating keeps it twice (slot 0 and the last slot).
  const probs = lp([[0.1, 0.6, 0.3]]);
  const plain = new Beams(1, 2).advance(probs, 3, Int32Array.of(1));
  assert.deepEqual([...plain.labels], [1, 1]);
  const exclusive = new Beams(1, 2);
  const step = exclusive.advance(probs, 3, Int32Array.of(1), true);
  assert.deepEqual([...step.labels], [2, 1]);
  assert.ok(
    Math.abs(exclusive.scores[0] - Math.log(0.3)) < 1e-6 &&
      Math.abs(exclusive.scores[1] - Math.log(0.6)) < 1e-6,
  );
  // Next step: the reference (label 2) continues from the last slot; label 2 from the other slot is allowed.
  const next = exclusive.advance(
    lp([
      [0.1, 0.1, 0.8],
      [0.1, 0.05, 0.85],
    ]),
    3,
    Int32Array.of(2),
    true,
  );
  assert.deepEqual([...next.labels], [2, 2]);
  assert.deepEqual([...next.from], [0, 1]);
});

for (const cheating of [true, "exclusive"])
  test(`search with cheating ${JSON.stringify(cheating)} and beam 1 returns the reference, scored as teacher forcing`, () => {
    const config = JSON.parse(readFileSync("test/fixtures/rec/lstm-attention.json", "utf8"));
    const unit = config.network.output.unit;
    unit.output.cheating = cheating;
    unit.output.length_normalization = false;
    unit.output_prob.loss_opts = {};
    const net = buildNetwork(config, "c.json");
    const data = { value: new Tensor([2, 3], Int32Array.of(3, 5, 7, 4, 6, 0)), lengths: Int32Array.of(3, 2) };
    const classes = {
      value: new Tensor([2, 4], Int32Array.of(7, 5, 3, 0, 6, 4, 0, 0)),
      lengths: Int32Array.of(4, 3),
    };
    const found = net.search({ data: { data, classes } }, { beamSize: 1 });
    assert.deepEqual(
      found.labels.map((l) => [...l]),
      [
        [7, 5, 3, 0],
        [6, 4, 0],
      ],
    );
    const ce = tidy(
      () =>
        net
          .forward({ data: { data, classes } }, { train: false, step: 0 })
          .losses.find((l) => l.name === "output/output_prob")!.value!,
    );
    const total = found.scores.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(ce + total) < 1e-4 * Math.abs(total), `teacher forcing ${ce} vs search ${-total}`);
  });

test("cheating without the target in the batch is a clear error", () => {
  const config = JSON.parse(readFileSync("test/fixtures/rec/lstm-attention.json", "utf8"));
  config.network.output.unit.output.cheating = true;
  const net = buildNetwork(config, "c.json");
  const data = { value: new Tensor([1, 2], Int32Array.of(3, 5)), lengths: Int32Array.of(2) };
  assert.throws(
    () => net.search({ data: { data } }, { beamSize: 2 }),
    /"cheating" needs the target "classes"/,
  );
});
