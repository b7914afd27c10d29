import assert from "node:assert/strict";
import { test } from "node:test";
import { Pretrain, parsePretrain } from "../../src/train/pretrain.js";
import { ReproError } from "../../src/util/errors.js";

type Net = Record<string, Record<string, unknown>>;

/** data → emb → l1 → l2 → output */
const mlp = (): Net => ({
  emb: { class: "linear", from: "data", n_out: 8 },
  l1: { class: "linear", from: "emb", n_out: 8 },
  l2: { class: "linear", from: ["l1"], n_out: 8 },
  output: { class: "softmax", from: "l2", loss: "ce", target: "data" },
});

const schedule = (pretrain: unknown, network: Net = mlp()) => {
  const s = parsePretrain({ pretrain, network }, "c.json");
  assert.ok(s);
  return new Pretrain(s, network);
};
const layers = (net: Net) => Object.keys(net).sort();
const fails = (pretrain: unknown, re: RegExp, network: unknown = mlp()) =>
  assert.throws(
    () => parsePretrain({ pretrain, network }, "c.json"),
    (e: unknown) => e instanceof ReproError && re.test(e.message) && !e.message.includes("\n"),
  );

test("pretraining is off unless configured", () => {
  for (const v of [undefined, null, false, ""])
    assert.equal(parsePretrain({ pretrain: v, network: mlp() }, "c.json"), null);
});

test('"from_output" (the default) grows the network from the output: one hidden layer more per step', () => {
  const p = schedule("default");
  assert.equal(p.numEpochs, 3);
  assert.deepEqual(layers(p.netDictFor(1)), ["emb", "output"]);
  assert.deepEqual(p.netDictFor(1).output.from, ["emb"]);
  assert.deepEqual(layers(p.netDictFor(2)), ["emb", "l1", "output"]);
  assert.deepEqual(p.netDictFor(2).output.from, ["l1"]);
  assert.deepEqual(p.netDictFor(3), mlp());
  assert.deepEqual(p.netDictFor(4), mlp());
  assert.ok(p.isPretrainEpoch(3) && !p.isPretrainEpoch(4));
  assert.deepEqual(schedule(true).netDictFor(1), p.netDictFor(1));
});

test("from_output collapses non-trainable layers and drops steps that add no trainable layer", () => {
  // emb → l1 → fix (not trainable) → output: removing fix alone is no step.
  const net: Net = {
    ...mlp(),
    fix: { class: "copy", from: "l1", trainable: false },
    output: { ...mlp().output, from: "fix" },
  };
  delete net.l2;
  const p = schedule({ construction_algo: "from_output" }, net);
  assert.equal(p.numEpochs, 2);
  assert.deepEqual(layers(p.netDictFor(1)), ["emb", "output"]);
  // fix (not trainable) → l1 → output: a first step with only fix and the output layer is dropped.
  const first: Net = {
    fix: { class: "copy", from: "data", trainable: false },
    l1: { class: "linear", from: "fix", n_out: 8 },
    output: { class: "softmax", from: "l1", loss: "ce", target: "data" },
  };
  const q = schedule("default", first);
  assert.equal(q.numEpochs, 1);
  assert.deepEqual(q.netDictFor(1), first);
});

test("repetitions: a number for every step, a list padded with its last value, or a dict", () => {
  assert.equal(schedule({ repetitions: 2 }).numEpochs, 6);
  const list = schedule({ repetitions: [2, 1] });
  assert.deepEqual(
    [1, 2, 3, 4].map((e) => layers(list.netDictFor(e)).length),
    [2, 2, 3, 4],
  );
  assert.equal(list.numEpochs, 4);
  const dict = schedule({ repetitions: { default: 2, final: 0, "1": 3 } });
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((e) => layers(dict.netDictFor(e)).length),
    [2, 2, 3, 3, 3, 4],
  );
  assert.equal(dict.numEpochs, 5);
});

test("a construction_algo function gets idx and a fresh copy of the full net dict until it returns null", () => {
  const seen: number[] = [];
  const p = schedule({
    construction_algo: (idx: number, net: Net) => {
      seen.push(idx);
      assert.deepEqual(net, mlp());
      if (idx >= 2) return null;
      net.output.from = idx === 0 ? "emb" : "l1";
      delete net.l2;
      if (idx === 0) delete net.l1;
      return idx === 1 ? { ...net, "#repetition": 2 } : net;
    },
  });
  assert.deepEqual(seen, [0, 1, 2]);
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((e) => layers(p.netDictFor(e))),
    [
      ["emb", "output"],
      ["emb", "l1", "output"],
      ["emb", "l1", "output"],
      ["emb", "l1", "l2", "output"],
      ["emb", "l1", "l2", "output"],
    ],
  );
  assert.equal(p.numEpochs, 4);
});

test('"no_network_modifications" pretrains the full network (for pretrain_learning_rate)', () => {
  const p = schedule({ construction_algo: "no_network_modifications", repetitions: 3 });
  assert.equal(p.numEpochs, 3);
  assert.equal(p.netKeyFor(1), p.netKeyFor(4));
});

test("equal net dicts have equal keys, so the network is only rebuilt when it changes", () => {
  const p = schedule({ repetitions: [2, 1, 1] });
  assert.equal(p.netKeyFor(1), p.netKeyFor(2));
  assert.notEqual(p.netKeyFor(2), p.netKeyFor(3));
  assert.equal(p.netKeyFor(4), p.netKeyFor(99));
});

test("bad pretrain settings are one-line errors naming the option", () => {
  fails(
    { construction_algo: "from_ouput" },
    /c\.json: pretrain: construction_algo "from_ouput" \(did you mean "from_output"\?\)/,
  );
  fails({ repetition: 2 }, /pretrain: unknown option "repetition" \(did you mean "repetitions"\?\)/);
  fails({ repetitions: [1, 1, 1, 1] }, /repetitions has 4 entries, but there are only 3 steps/);
  fails({ repetitions: { "7": 1 } }, /repetitions key "7" is not a step index in \[0, 2\] or "final"/);
  fails({ repetitions: -1 }, /repetitions must be a non-negative integer, got -1/);
  fails({ copy_param_mode: "reset" }, /copy_param_mode must be "ifpossible", "subset" or unset, got "reset"/);
  fails("always", /pretrain must be "default", true or a dict/);
  fails("default", /pretrain: needs a "network" dict/, null);
  fails(
    { construction_algo: (idx: number, net: Net) => (idx === 0 ? { ...net, "#config": {} } : null) },
    /step 0: "#config" is not supported/,
  );
  fails(
    {
      construction_algo: () => {
        throw new Error("boom\nmore");
      },
    },
    /construction_algo failed for idx 0: boom$/,
  );
  fails({ construction_algo: () => 3 }, /construction_algo\(0\) must return a net dict or null/);
});

test("a list of net dicts (what repronet import writes) is the steps before the full network", () => {
  const small = { emb: mlp().emb, output: { ...mlp().output, from: "emb" }, "#repetition": 2 };
  const p = schedule({ construction_algo: [small] });
  assert.equal(p.numEpochs, 3);
  assert.deepEqual(layers(p.netDictFor(1)), ["emb", "output"]);
  assert.deepEqual(layers(p.netDictFor(2)), ["emb", "output"]);
  assert.deepEqual(p.netDictFor(3), mlp());
  fails({ construction_algo: [1] }, /construction_algo\[0\] must be a net dict/);
});
