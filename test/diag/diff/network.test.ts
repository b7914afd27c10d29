import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { diffNetworks } from "../../../src/diag/diff/network.js";
import { isConstantExpression } from "../../../src/diag/diff/roles.js";
import { parseExpression } from "../../../src/layers/eval/parse.js";

type Json = Record<string, unknown>;
type Net = Record<string, Json>;

const example = (name: string): Json => JSON.parse(readFileSync(`examples/${name}.json`, "utf8"));

/** The base example with `edit` applied to a copy of its network. */
function variant(edit: (net: Net, unit: Net) => void): Json {
  const c = example("transformer-base");
  const net = c.network as Net;
  edit(net, (net.output as { unit: Net }).unit);
  return c;
}

function change(b: Json, layer: string) {
  const d = diffNetworks(example("transformer-base"), b, "a.json", "b.json");
  assert.equal(d.error, undefined);
  const c = d.layers.find((l) => l.layer === layer);
  assert.ok(c, `no change for ${layer} in ${JSON.stringify(d.layers)}`);
  return c;
}

test("an eval multiplied by a literal 0 is a constant loss: never optimised, no effect on training", () => {
  const d = diffNetworks(example("transformer-base"), example("transformer-zero-eval"), "a", "b");
  assert.deepEqual(
    d.layers.map((l) => [l.layer, l.change, l.roleB, l.effect]),
    [
      ["output/dec_01_weight_loss", "added", "constant", "none"],
      ["output/dec_02_weight_loss", "added", "constant", "none"],
    ],
  );
  assert.match(
    d.layers[0].reason,
    /^loss as_is with scale 1 on .*0\.0 \* reduce_sum.* → constant, never optimised \(no effect on training\)$/,
  );
});

test("a loss with scale 0 is reported only, never differentiated", () => {
  const d = diffNetworks(example("transformer-base"), example("transformer-zero-copy"), "a", "b");
  assert.deepEqual(
    d.layers.map((l) => [l.layer, l.roleB, l.effect]),
    [
      ["output/dec_01_weight_loss", "report", "none"],
      ["output/dec_02_weight_loss", "report", "none"],
    ],
  );
  assert.equal(
    d.layers[0].reason,
    "loss as_is with scale 0 → reported only, never differentiated (no effect on training)",
  );
});

test("the two zero-loss variants differ from each other only in ways training cannot tell", () => {
  const d = diffNetworks(example("transformer-zero-eval"), example("transformer-zero-copy"), "a", "b");
  assert.equal(d.layers.length, 2);
  for (const l of d.layers) {
    assert.equal(l.change, "changed");
    assert.equal(l.effect, "none", l.reason);
    assert.deepEqual(
      l.options?.map((o) => o.option),
      ["class", "eval", "loss_scale"],
    );
  }
});

test("a layer no loss or output needs is not computed", () => {
  const c = change(
    variant((net) => {
      net.unused_proj = { class: "linear", from: ["encoder"], n_out: 8 };
    }),
    "unused_proj",
  );
  assert.equal(c.roleB, "unused");
  assert.equal(c.reason, "not needed by any loss or output → not computed (no effect on training)");
});

test("an auxiliary loss with a non-zero scale changes the objective", () => {
  const c = change(
    variant((net) => {
      net.aux = { class: "softmax", from: ["encoder"], loss: "ce", loss_scale: 0.5, target: "data" };
    }),
    "aux",
  );
  assert.equal(c.effect, "affects");
  assert.equal(c.reason, "loss ce with scale 0.5 → changes the objective");
});

test("loss_opts.scale counts as the loss scale (RETURNN's spelling)", () => {
  const c = change(
    variant((net) => {
      net.aux = { class: "softmax", from: ["encoder"], loss: "ce", loss_opts: { scale: 0 }, target: "data" };
    }),
    "aux",
  );
  assert.equal(c.effect, "none");
});

test("an eval whose value depends on the source is in the objective", () => {
  const c = change(
    variant((_, unit) => {
      unit.w_loss = {
        class: "eval",
        from: ["dec_01_att_weights"],
        eval: "0.5 * reduce_sum(source(0))",
        loss: "as_is",
      };
    }),
    "output/w_loss",
  );
  assert.equal(c.effect, "affects");
});

test("an edit_distance loss is error only", () => {
  const c = change(
    variant((net) => {
      net.decision2 = { class: "decide", from: ["output"], loss: "edit_distance", target: "classes" };
    }),
    "decision2",
  );
  assert.equal(c.effect, "none");
  assert.match(c.reason, /error only/);
});

test("L2 on a reported-only layer still changes the objective", () => {
  const c = change(
    variant((net) => {
      net.probe = { class: "linear", from: ["encoder"], n_out: 4, L2: 0.01, is_output_layer: true };
    }),
    "probe",
  );
  assert.equal(c.roleB, "report");
  assert.equal(c.effect, "affects");
  assert.match(c.reason, /^L2 0\.01/);
});

test("layers needed only by a reported loss are never differentiated", () => {
  const d = diffNetworks(
    example("transformer-base"),
    variant((net) => {
      net.probe_in = { class: "linear", from: ["encoder"], n_out: 4 };
      net.probe = { class: "copy", from: ["probe_in"], loss: "as_is", loss_scale: 0 };
    }),
    "a",
    "b",
  );
  const probeIn = d.layers.find((l) => l.layer === "probe_in")!;
  assert.equal(probeIn.roleB, "report");
  assert.equal(probeIn.effect, "none");
  assert.match(probeIn.reason, /needed only by reported losses or outputs \(needed by probe\)/);
});

test("changing an option of a layer in the objective can affect training", () => {
  const c = change(
    variant((_, unit) => {
      unit.dec_01_ff_drop.dropout = 0.2;
    }),
    "output/dec_01_ff_drop",
  );
  assert.equal(c.change, "changed");
  assert.deepEqual(c.options, [{ option: "dropout", change: "changed", a: 0.1, b: 0.2 }]);
  assert.equal(c.effect, "affects");
});

test("changing a layer that is not computed in training cannot matter", () => {
  const c = change(
    variant((_, unit) => {
      (unit.end as Json).kind = "not_equal";
    }),
    "output/end",
  );
  assert.equal(c.roleA, "unused");
  assert.equal(c.effect, "none");
});

test("a network that does not parse is reported, and its changes count as affecting", () => {
  const b = variant((net) => {
    net.bad = { class: "no_such_class" };
  });
  const d = diffNetworks(example("transformer-base"), b, "a.json", "b.json");
  assert.match(d.error ?? "", /b\.json: layer "bad"/);
  assert.equal(d.layers.find((l) => l.layer === "bad")?.effect, "affects");
});

test("constant expressions: a literal 0 factor, stop_gradient, or no source at all", () => {
  const constant = (e: string) => isConstantExpression(parseExpression(e));
  assert.equal(constant("0.0 * tf.reduce_sum(source(0, auto_convert=False))"), true);
  assert.equal(constant("reduce_sum(source(0)) * 0"), true);
  assert.equal(constant("-0.0 * source(0)"), true);
  assert.equal(constant("0 / source(0)"), true);
  assert.equal(constant("tf.stop_gradient(source(0))"), true);
  assert.equal(constant("2.0 * 3"), true);
  assert.equal(constant("0.0 * source(0) + source(1)"), false);
  assert.equal(constant("0.5 * source(0)"), false);
  assert.equal(constant("source(0) / 0"), false);
});
