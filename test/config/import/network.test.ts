import assert from "node:assert/strict";
import { test } from "node:test";
import { mapNetwork } from "../../../src/config/import/network.js";

const output = { class: "softmax", from: "data", loss: "ce" };
const map = (net: Record<string, unknown>, fns: string[] = [], keep: string[] = []) => {
  const notes: string[] = [];
  return { net: mapNetwork(net, new Set(fns), "network", notes, keep), notes };
};

test("an eval layer calling a config function on its input becomes specaugment", () => {
  const sa = {
    class: "eval",
    from: "data",
    eval: "self.network.get_config().typed_value('transform')(source(0, as_data=True), network=self.network)",
  };
  const r = map({ output, sa }, ["transform"]);
  assert.deepEqual(r.net.sa, { class: "specaugment", from: "data" });
  assert.equal(r.notes.length, 1);
  const plain = { class: "eval", eval: "transform(source(0), network=self.network)" };
  assert.deepEqual(map({ output, plain }, ["transform"]).net.plain, { class: "specaugment", from: "data" });
});

test("an eval layer with a plain expression stays an eval layer", () => {
  const e = { class: "eval", from: "data", eval: "tf.exp(source(0, as_data=True))" };
  assert.deepEqual(map({ output, e }, ["transform"]).net.e, e);
});

test('"#" keys are left out with a note, except the ones kept', () => {
  const r = map({ output, "#pretrain_idx": 1, "#repetition": 2 }, [], ["#repetition"]);
  assert.deepEqual(r.net, { output, "#repetition": 2 });
  assert.deepEqual(r.notes, ['note: network: "#pretrain_idx" is not applied by repronet (left out)']);
});

test("runtime-only layer options are left out, also inside rec units", () => {
  const r = map({
    output: { class: "rec", unit: { emb: { class: "linear", n_out: 3, param_device: "CPU" } } },
  });
  assert.deepEqual(r.net.output, { class: "rec", unit: { emb: { class: "linear", n_out: 3 } } });
  assert.deepEqual(r.notes, ["note: network/output/emb: option param_device has no effect here (left out)"]);
});
