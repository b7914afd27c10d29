import assert from "node:assert/strict";
import { test } from "node:test";
import { buildNetwork } from "../../src/network/network.js";
import { ParamStore } from "../../src/network/params.js";
import { KeyedStream } from "../../src/rng/keyed.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { GradAccumulator } from "../../src/train/accumulate.js";
import { Log } from "../../src/train/log.js";
import { carryOver, copyParams, loadExact, paramsOf } from "../../src/train/networks.js";
import { optimizerFromConfig } from "../../src/train/optimizer.js";
import { parseTrainSettings } from "../../src/train/settings.js";
import { ReproError } from "../../src/util/errors.js";

const config = (network: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  random_seed: 5,
  extern_data: { data: { dim: 6, sparse: true } },
  train: { class: "synthetic", task: "copy", num_seqs: 4, vocab_size: 6, min_len: 2, max_len: 4, seed: 1 },
  network,
  ...over,
});
const small = {
  emb: { class: "linear", from: "data", n_out: 8, activation: "tanh" },
  output: { class: "softmax", from: "emb", loss: "ce", target: "data" },
};
const grown = {
  emb: { class: "linear", from: "data", n_out: 8, activation: "tanh" },
  l1: { class: "linear", from: "emb", n_out: 8, activation: "tanh" },
  output: { class: "softmax", from: "l1", loss: "ce", target: "data" },
};

/** An optimizer with state for every parameter of `net` (one Adam update with random gradients). */
function trainedOptimizer(net: ReturnType<typeof buildNetwork>) {
  const opt = optimizerFromConfig({ class: "adam" }, "c.json");
  const params = net.params.list();
  opt.update(
    params.map((p) => ({
      name: p.name,
      value: p.value,
      grad: new Tensor(p.value.shape, new KeyedStream(1, `grad/${p.name}`).normal(p.value.size)),
    })),
    0.1,
  );
  return opt;
}

function carry(resetOptimizer: boolean) {
  const a = buildNetwork(config(small), "a.json");
  const optimizer = trainedOptimizer(a);
  const before = optimizer.state();
  const b = buildNetwork(config(grown), "b.json");
  const fresh = paramsOf(buildNetwork(config(grown), "c.json"));
  const lines: string[] = [];
  const s = parseTrainSettings(
    config(grown, { pretrain: "default", pretrain_reset_optimizer: resetOptimizer }),
    "b.json",
  );
  carryOver(
    paramsOf(a),
    b,
    { optimizer, accum: new GradAccumulator(), log: new Log((l) => lines.push(l)), s },
    "pretrain epoch 2",
  );
  return { a: paramsOf(a), b: paramsOf(b), fresh, before, after: optimizer.state(), lines };
}

test("a network change copies parameters by name; new ones keep their keyed initial value", () => {
  const { a, b, fresh } = carry(false);
  for (const name of ["emb/W", "emb/b", "output/W", "output/b"])
    assert.deepEqual(b.get(name), a.get(name), name);
  assert.deepEqual(b.get("l1/W"), fresh.get("l1/W"));
  assert.notDeepEqual(b.get("emb/W")?.data, fresh.get("emb/W")?.data);
});

test("a network change keeps the Adam moments and step counts of persisting parameters, and says so", () => {
  const { before, after, lines } = carry(false);
  assert.deepEqual(after, before);
  assert.deepEqual(Object.keys(after.slots).sort(), [
    "m/emb/W",
    "m/emb/b",
    "m/output/W",
    "m/output/b",
    "v/emb/W",
    "v/emb/b",
    "v/output/W",
    "v/output/b",
  ]);
  assert.deepEqual(lines, [
    "pretrain epoch 2: network changed: 4 parameters copied, 2 new (l1/W, l1/b), 0 dropped; optimizer state of 4 persisting parameters kept (pretrain_reset_optimizer: true resets it)",
  ]);
});

test("pretrain_reset_optimizer: true forgets the optimizer state at a network change, and says so", () => {
  const { after, lines } = carry(true);
  assert.deepEqual(after.slots, {});
  assert.deepEqual(after.steps, {});
  assert.match(lines[0], /; optimizer state reset \(pretrain_reset_optimizer\)$/);
});

test("a parameter that changes shape is an error, or re-initialised with copy_param_mode ifpossible", () => {
  const a = buildNetwork(config(small), "a.json");
  const wide = { ...small, emb: { ...small.emb, n_out: 4 } };
  const b = buildNetwork(config(wide), "b.json");
  assert.throws(
    () => copyParams(paramsOf(a), b.params, null, "pretrain epoch 2"),
    (e: unknown) =>
      e instanceof ReproError &&
      /^pretrain epoch 2: parameter emb\/W changes shape from \[6,8\] to \[6,4\] \(set pretrain copy_param_mode: "ifpossible"/.test(
        e.message,
      ),
  );
  const r = copyParams(paramsOf(a), b.params, "ifpossible", "pretrain epoch 2");
  assert.deepEqual(r.reshaped, ["emb/W", "emb/b", "output/W"]);
  assert.deepEqual(r.copied, ["output/b"]);
});

test("a checkpoint parameter of another shape is an error naming the checkpoint file", () => {
  const store = new ParamStore(1);
  store.get("w", [2, 2], (_, shape) => new Float32Array(shape[0] * shape[1]));
  assert.throws(
    () =>
      loadExact(
        new Map([["w", { shape: [3], data: new Float32Array(3) }]]),
        store,
        "D/checkpoints/epoch.001.safetensors",
      ),
    /^ReproError: D\/checkpoints\/epoch\.001\.safetensors: parameter w: checkpoint shape \[3\] ≠ \[2,2\]$/,
  );
});

test('copy_param_mode "subset" copies a grown LSTM gate block by gate block, and the rest keeps its initial value', () => {
  const lstm = (n: number) => ({
    emb: { class: "linear", from: "data", n_out: 4 },
    lstm: { class: "rec", unit: "nativelstm2", from: "emb", n_out: n },
    output: { class: "softmax", from: "lstm", loss: "ce", target: "data" },
  });
  const a = buildNetwork(config(lstm(2)), "a.json");
  const b = buildNetwork(config(lstm(3)), "b.json");
  const fresh = paramsOf(b).get("lstm/rec/W_re")!.data.slice();
  const r = copyParams(paramsOf(a), b.params, "subset", "pretrain epoch 2");
  assert.deepEqual(r.subset, ["lstm/rec/W", "lstm/rec/W_re", "lstm/rec/b", "output/W"]);
  assert.deepEqual(r.copied, ["emb/W", "emb/b", "output/b"]);
  const oldWre = paramsOf(a).get("lstm/rec/W_re")!.data; // [2, 4·2]
  const newWre = paramsOf(b).get("lstm/rec/W_re")!.data; // [3, 4·3]
  for (let row = 0; row < 3; row++)
    for (let gate = 0; gate < 4; gate++)
      for (let c = 0; c < 3; c++) {
        const at = row * 12 + gate * 3 + c;
        const expected = row < 2 && c < 2 ? oldWre[row * 8 + gate * 2 + c] : fresh[at];
        assert.equal(newWre[at], expected, `row ${row} gate ${gate} column ${c}`);
      }
});

test('copy_param_mode "subset" is an error for a parameter whose layer declared no blocks, never a corner copy', () => {
  const store = new ParamStore(1);
  store.get("x/w", [2, 2], (_, shape) => new Float32Array(shape[0] * shape[1]));
  const old = new Map([["x/w", { shape: [1, 1], data: Float32Array.of(3) }]]);
  assert.throws(
    () => copyParams(old, store, "subset", "pretrain epoch 2"),
    (e: unknown) =>
      e instanceof ReproError &&
      /^pretrain epoch 2: copy_param_mode "subset": parameter x\/w \[1,1\] → \[2,2\]: its layer does not say how its axes are made of blocks/.test(
        e.message,
      ),
  );
});
