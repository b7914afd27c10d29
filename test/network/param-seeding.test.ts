/**
 * param_init_seeding: RETURNN's construction order (sorted names, roots
 * constructed when reached, dependencies first, a rec unit after its rec
 * layer) and the streams it gives parameters; keyed seeding never depends on it.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import "../../src/layers/index.js";
import { parseExternData, parseNetwork } from "../../src/network/graph.js";
import { buildNetwork } from "../../src/network/network.js";
import { KEYED_SEEDING, returnnConstructionOrder, returnnSeeding } from "../../src/network/param-seeding.js";
import { tinyConfig, withLayers } from "../helpers/tiny-run.js";

const externs = parseExternData(
  { data: { dim: 5, sparse: true }, classes: { dim: 5, sparse: true } },
  "c.json",
);
const parse = (net: unknown) => parseNetwork(net, "c.json", externs);

test("construction order: roots in name order, each after its sources; unreachable layers never", () => {
  const g = parse({
    b: { class: "linear", from: "a", n_out: 2 },
    a: { class: "linear", from: "data:data", n_out: 2 },
    unused: { class: "linear", from: "a", n_out: 2 },
    output: { class: "softmax", from: "b", target: "classes", loss: "ce" },
    aux: { class: "softmax", from: "a", target: "classes", loss: "ce", loss_scale: 0 },
  });
  assert.deepEqual(returnnConstructionOrder(g), ["a", "aux", "b", "output"]);
});

test("construction order: a rec unit right after its rec layer, its base: layers before it", () => {
  const g = parse({
    enc: { class: "linear", from: "data:data", n_out: 4 },
    output: {
      class: "rec",
      from: [],
      target: "classes",
      unit: {
        output: { class: "choice", from: "prob", target: "classes", beam_size: 2 },
        prob: { class: "softmax", from: ["prev:output", "base:enc"], target: "classes", loss: "ce" },
      },
    },
  });
  assert.deepEqual(returnnConstructionOrder(g), ["enc", "output", "output/prob", "output/output"]);
});

test("the reference Transformer: a zero-loss layer in the decoder moves the decoder layers it reads", () => {
  const order = (name: string) => {
    const c = JSON.parse(readFileSync(`examples/${name}.json`, "utf8"));
    return returnnConstructionOrder(parseNetwork(c.network, name, parseExternData(c.extern_data, name)));
  };
  const [base, zero] = [order("transformer-base"), order("transformer-zero-eval")];
  assert.equal(zero.length, base.length + 2);
  assert.equal(zero.indexOf("output/dec_01_weight_loss") < zero.indexOf("output/dec_01_att_lin"), true);
  assert.notEqual(zero.indexOf("output/dec_01_att_lin"), base.indexOf("output/dec_01_att_lin"));
  assert.equal(zero.indexOf("enc_01_ff_conv1"), base.indexOf("enc_01_ff_conv1")); // the encoder comes first in both
});

test("returnn streams: named by the owner's position and the local name", () => {
  const s = returnnSeeding(
    parse({ output: { class: "softmax", from: "data:data", target: "classes", loss: "ce" } }),
  );
  assert.equal(s.streamName("output/W"), "returnn-seeding/0/W");
  assert.equal(s.streamName("elsewhere/W"), "returnn-seeding/-/elsewhere/W");
  assert.equal(KEYED_SEEDING.streamName("output/W"), "output/W");
});

const initial = (config: Record<string, unknown>, name: string) =>
  buildNetwork(config, "tiny.json")
    .params.list()
    .find((p) => p.name === name)!.value.f32;

const ZERO = {
  aaa_zero: { class: "eval", from: ["hidden"], eval: "0.0 * reduce_sum(source(0))", loss: "as_is" },
};

test("keyed seeding: adding a layer leaves every initial value as it was", () => {
  assert.deepEqual(initial(withLayers(ZERO), "output/W"), initial(tinyConfig(), "output/W"));
});

test("returnn seeding: adding a layer constructed earlier changes a later layer's initial value, not an earlier one's", () => {
  const seeding = { param_init_seeding: "returnn" };
  const [a, b] = [tinyConfig(seeding), withLayers(ZERO, seeding)];
  assert.notDeepEqual(initial(b, "output/W"), initial(a, "output/W"));
  assert.deepEqual(initial(b, "hidden/W"), initial(a, "hidden/W"));
});

test("an unknown param_init_seeding is an error naming the file", () => {
  assert.throws(
    () => buildNetwork(tinyConfig({ param_init_seeding: "tf" }), "tiny.json"),
    /tiny\.json: param_init_seeding must be "keyed" or "returnn", got "tf"/,
  );
});
