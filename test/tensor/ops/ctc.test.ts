/**
 * The CTC op against brute force: every one of the V^T frame paths is
 * enumerated, collapsed (repeats merged, blanks dropped) and its probability
 * summed, which gives −log p and its exact gradient on tiny cases.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ctcLoss, sum as sumAll } from "../../../src/tensor/ops/index.js";
import { valueAndGrads } from "../../../src/tensor/tape.js";
import { Tensor, tidy } from "../../../src/tensor/tensor.js";
import { gradCheck, randTensor } from "../../helpers/gradcheck.js";

/** −log p(labels) and ∂/∂logits by enumerating all paths of one sequence [T, V]. */
function bruteForce(logits: Float32Array, T: number, V: number, labels: number[], blank: number) {
  const logp: number[][] = [];
  for (let t = 0; t < T; t++) {
    const row = Array.from(logits.subarray(t * V, (t + 1) * V));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
    logp.push(row.map((x) => x - lse));
  }
  let total = 0;
  const occupancy = Array.from({ length: T }, () => new Array<number>(V).fill(0));
  const path = new Array<number>(T).fill(0);
  for (let n = 0; n < V ** T; n++) {
    let r = n;
    for (let t = 0; t < T; t++) {
      path[t] = r % V;
      r = Math.floor(r / V);
    }
    const collapsed = path.filter((k, t) => k !== blank && (t === 0 || k !== path[t - 1]));
    if (collapsed.length !== labels.length || collapsed.some((k, i) => k !== labels[i])) continue;
    const p = Math.exp(path.reduce((s, k, t) => s + logp[t][k], 0));
    total += p;
    path.forEach((k, t) => {
      occupancy[t][k] += p;
    });
  }
  const grad = logp.flatMap((row, t) => row.map((lp, k) => Math.exp(lp) - occupancy[t][k] / total));
  return { loss: -Math.log(total), grad };
}

/** Loss and gradient of the op for one sequence (batch 1). */
function op(logits: Tensor, labels: number[], blank: number) {
  return tidy(() => {
    const lab = new Tensor([1, Math.max(labels.length, 1)], Int32Array.from(labels.length ? labels : [0]));
    const [, T] = logits.shape;
    const { value, grads } = valueAndGrads(
      () => ctcLoss(logits, lab, Int32Array.of(T), Int32Array.of(labels.length), blank),
      [logits],
    );
    return { loss: value.item(), grad: Array.from(grads[0]?.f32 ?? []) };
  });
}

const cases: [string, number, number[]][] = [
  ["two distinct labels", 4, [0, 1]],
  ["a repeated label (needs a blank between)", 4, [0, 0]],
  ["target length = input length", 4, [0, 1, 0, 1]],
  ["the empty target (all blanks)", 3, []],
  ["one label over five frames", 5, [1]],
];

for (const [name, T, labels] of cases) {
  test(`CTC loss and gradient match brute-force enumeration: ${name}`, () => {
    const V = 3;
    const logits = randTensor([1, T, V], 10 + T + labels.length, -2, 2);
    const expected = bruteForce(logits.f32, T, V, labels, V - 1);
    const got = op(logits, labels, V - 1);
    assert.ok(
      Math.abs(got.loss - expected.loss) <= 1e-5 * (1 + expected.loss),
      `${got.loss} vs ${expected.loss}`,
    );
    got.grad.forEach((g, i) => {
      assert.ok(Math.abs(g - expected.grad[i]) <= 1e-6, `grad ${i}: ${g} vs ${expected.grad[i]}`);
    });
  });
}

test("a blank that is not the last class works the same way", () => {
  const logits = randTensor([1, 4, 3], 3, -2, 2);
  const expected = bruteForce(logits.f32, 4, 3, [1, 2], 0);
  assert.ok(Math.abs(op(logits, [1, 2], 0).loss - expected.loss) <= 1e-5);
});

test("no valid alignment: loss +∞ and a zero gradient", () => {
  const got = op(randTensor([1, 2, 3], 4), [0, 0], 2); // [0, 0] needs 3 frames
  assert.equal(got.loss, Number.POSITIVE_INFINITY);
  assert.ok(got.grad.every((g) => g === 0));
});

test("frames beyond a sequence's length get no gradient and do not change its loss", () => {
  const logits = randTensor([2, 5, 4], 5, -2, 2);
  const labels = new Tensor([2, 2], Int32Array.of(0, 1, 2, 0));
  const run = () =>
    tidy(() => {
      const { value, grads } = valueAndGrads(
        () => sumAll(ctcLoss(logits, labels, Int32Array.of(5, 3), Int32Array.of(2, 1), 3)),
        [logits],
      );
      return { loss: value.item(), grad: Array.from(grads[0]!.f32) };
    });
  const clean = run();
  assert.ok(clean.grad.slice(5 * 4 + 3 * 4).every((g) => g === 0));
  logits.f32.fill(1e3, 5 * 4 + 3 * 4); // sequence 1, frames 3 and 4
  assert.deepEqual(run(), clean);
});

test("the CTC op passes a finite-difference gradient check on a batch", () => {
  const labels = new Tensor([2, 2], Int32Array.of(0, 1, 1, 0));
  gradCheck(
    (x) => ctcLoss(x, labels, Int32Array.of(4, 3), Int32Array.of(2, 1), 2),
    [randTensor([2, 4, 3], 6)],
  );
});
