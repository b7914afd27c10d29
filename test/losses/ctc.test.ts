import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { lossClass } from "../../src/losses/index.js";
import { batchDim, Data, staticDim } from "../../src/network/data.js";
import { buildNetwork } from "../../src/network/network.js";
import type { Batch } from "../../src/network/types.js";
import { ctcLoss } from "../../src/tensor/ops/index.js";
import { valueAndGrads } from "../../src/tensor/tape.js";
import { Tensor, tidy } from "../../src/tensor/tensor.js";
import { ReproError } from "../../src/util/errors.js";
import { gradCheck, randTensor } from "../helpers/gradcheck.js";
import { sparseData, timeDimOf } from "../helpers/layer-harness.js";

const ctc = lossClass("ctc", "test");

/** Softmax-layer-like output: logits [B, T, V] with lengths. */
function outputOf(logits: Tensor, lengths: number[]): Data {
  const [B, , V] = logits.shape;
  return new Data(() => logits, [batchDim(B), timeDimOf(lengths), staticDim(V)], undefined, logits);
}

test("the ctc loss sums the per-sequence losses, counts target labels as frames, blank = last class", () => {
  const logits = randTensor([2, 5, 4], 1, -2, 2);
  const target = sparseData([[0, 1, 1], [2]], 3);
  const r = tidy(() => {
    const res = ctc.compute(outputOf(logits, [5, 3]), target, {}, "ctc");
    const direct = ctcLoss(logits, target.value, Int32Array.of(5, 3), Int32Array.of(3, 1), 3);
    return { value: res.value!.item(), frames: res.frames, direct: direct.f32[0] + direct.f32[1] };
  });
  assert.ok(Math.abs(r.value - r.direct) <= 1e-5);
  assert.equal(r.frames, 4);
});

test("the error is the edit distance of the greedy decoding", () => {
  // Frames argmax: 0, blank, 0, 1 → [0, 0, 1]; target [0, 1] → 1 insertion.
  const V = 3;
  const best = [0, 2, 0, 1];
  const logits = new Tensor(
    [1, 4, V],
    Float32Array.from(best.flatMap((k) => [0, 1, 2].map((c) => (c === k ? 3 : 0)))),
  );
  const r = tidy(() => ctc.compute(outputOf(logits, [4]), sparseData([[0, 1]], 2), {}, "ctc").error);
  assert.equal(r, 1);
});

test("a target longer than the output is an error naming the batch entry, unless ignored", () => {
  const logits = randTensor([2, 3, 3], 2);
  const target = sparseData([[0], [1, 1]], 2); // [1, 1] needs 3 frames, entry 1 has 2
  const out = outputOf(logits, [3, 2]);
  assert.throws(
    () => tidy(() => ctc.compute(out, target, {}, "output/ctc")),
    (e) =>
      e instanceof ReproError &&
      /^output\/ctc: batch entry 1: 2 target labels need at least 3 frames/.test(e.message),
  );
  const ignored = tidy(() => {
    const { value, grads } = valueAndGrads(
      () => ctc.compute(out, target, { ctc_opts: { ignore_longer_outputs_than_inputs: true } }, "ctc").value!,
      [logits],
    );
    const alone = ctcLoss(logits, target.value, Int32Array.of(3, 2), Int32Array.of(1, 2), 2).f32[0];
    return { value: value.item(), alone, grad1: Array.from(grads[0]!.f32.subarray(9)) };
  });
  assert.ok(Math.abs(ignored.value - ignored.alone) <= 1e-6);
  assert.ok(ignored.grad1.every((g) => g === 0));
});

test("bad shapes and options are one-line errors", () => {
  const out = outputOf(randTensor([1, 3, 3], 3), [3]);
  const isOurs = (re: RegExp) => (e: unknown) => e instanceof ReproError && re.test(e.message);
  assert.throws(
    () => ctc.compute(out, sparseData([[0]], 3), {}, "x"),
    isOurs(/needs target classes \+ 1 blank = 4/),
  );
  assert.throws(
    () => ctc.compute(out, sparseData([[0]], 2), { ctc_opts: { ignore_longer: true } }, "x"),
    isOurs(/unknown ctc_opts key "ignore_longer"/),
  );
});

test("ctc as an auxiliary loss on the reference Transformer's encoder: n_out = classes + 1, gradients reach the encoder", () => {
  const config = JSON.parse(readFileSync("examples/transformer-base.json", "utf8")) as {
    network: Record<string, unknown>;
  };
  config.network.ctc = {
    class: "softmax",
    from: ["encoder"],
    loss: "ctc",
    target: "classes",
    loss_opts: { beam_width: 1, ctc_opts: { ignore_longer_outputs_than_inputs: true } },
  };
  const net = buildNetwork(config, "ref.json");
  const pad = (seqs: number[][]) => {
    const T = Math.max(...seqs.map((s) => s.length));
    return {
      value: new Tensor(
        [seqs.length, T],
        Int32Array.from({ length: seqs.length * T }, (_, i) => seqs[Math.floor(i / T)][i % T] ?? 0),
      ),
      lengths: Int32Array.from(seqs, (s) => s.length),
    };
  };
  const batch: Batch = {
    data: {
      data: pad([
        [3, 5, 7, 9, 2, 4, 6],
        [4, 6, 8, 1],
      ]),
      classes: pad([
        [2, 9, 7, 0],
        [6, 0],
      ]),
    },
  };
  const r = tidy(() => {
    const params = net.params.list();
    let losses: readonly { name: string; value: number | null; frames: number; inObjective: boolean }[] = [];
    const { grads } = valueAndGrads(
      () => {
        const res = net.forward(batch, { train: true, step: 1 });
        losses = res.losses;
        return res.objective!;
      },
      params.map((p) => p.value),
    );
    const grad = (name: string) => grads[params.findIndex((p) => p.name === name)];
    return {
      ctc: losses.find((l) => l.name === "ctc")!,
      wShape: params.find((p) => p.name === "ctc/W")!.value.shape,
      encoderGrad: grad("enc_02_ff_conv2/W") !== null,
      ctcGrad: grad("ctc/W") !== null,
    };
  });
  assert.equal(r.wShape[1], 25); // 24 classes + blank
  assert.ok(r.ctc.inObjective && Number.isFinite(r.ctc.value!) && r.ctc.value! > 0);
  assert.equal(r.ctc.frames, 6);
  assert.ok(r.encoderGrad && r.ctcGrad);
});

test("a target longer than its output names the sequence when the batch has sequence names", () => {
  const net = buildNetwork(
    {
      extern_data: { data: { dim: 3 }, classes: { dim: 2, sparse: true } },
      network: { ctc: { class: "softmax", from: "data", loss: "ctc", target: "classes" } },
    },
    "net.json",
  );
  const batch: Batch = {
    data: {
      data: { value: randTensor([2, 3, 3], 7), lengths: Int32Array.of(3, 1) },
      classes: { value: new Tensor([2, 2], Int32Array.of(0, 1, 1, 0)), lengths: Int32Array.of(2, 2) },
    },
    seqNames: ["corpus/a", "corpus/b"],
  };
  assert.throws(
    () => tidy(() => net.forward(batch, { train: true, step: 0 })),
    (e) =>
      e instanceof ReproError &&
      /^sequence corpus\/b: .*ctc.*2 target labels need at least 2 frames, the output has 1/.test(e.message),
  );
});

test("gradcheck loss:ctc at full tensors (repeated labels, padded frames), by central differences", () => {
  const target = sparseData([[0, 1, 1], [2]], 3);
  gradCheck(
    (logits) => ctc.compute(outputOf(logits, [5, 3]), target, {}, "ctc").value!,
    [randTensor([2, 5, 4], 7, -2, 2)],
    { eps: 1e-3, atol: 1e-3, rtol: 1e-3 },
  );
});
