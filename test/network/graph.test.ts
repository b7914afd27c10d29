import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/index.js";
import { defaultTargetOf, parseExternData, parseNetwork, rootLayers } from "../../src/network/graph.js";
import { ReproError } from "../../src/util/errors.js";

const externs = parseExternData(
  { data: { dim: 5, sparse: true }, classes: { dim: 5, sparse: true } },
  "c.json",
);
const parse = (net: unknown) => parseNetwork(net, "c.json", externs);

function throwsRepro(fn: () => unknown, pattern: RegExp): void {
  assert.throws(
    fn,
    (e: unknown) => e instanceof ReproError && pattern.test(e.message) && !e.message.includes("\n"),
  );
}

test("a valid net dict parses into nodes with full paths", () => {
  const g = parse({
    emb: { class: "linear", from: "data:data", n_out: 4 },
    output: { class: "softmax", from: "emb", target: "classes", loss: "ce" },
  });
  assert.deepEqual([...g.layers.keys()], ["emb", "output"]);
  assert.deepEqual(g.layers.get("output")?.sources, [{ kind: "layer", name: "emb" }]);
});

test("rec units get paths under the rec layer", () => {
  const g = parse({
    output: {
      class: "rec",
      from: [],
      target: "classes",
      unit: {
        output: { class: "choice", from: "prob", target: "classes", beam_size: 2 },
        prob: { class: "softmax", from: "prev:output", target: "classes" },
      },
    },
  });
  assert.equal(g.layers.get("output")?.unit?.layers.get("prob")?.path, "output/prob");
});

test("an unknown layer class is an error with a hint", () => {
  throwsRepro(
    () => parse({ x: { class: "linaer", from: "data", n_out: 2 } }),
    /layer "x": unknown layer class "linaer" \(did you mean "linear"\?\)/,
  );
});

test("an unknown option is an error with a hint", () => {
  throwsRepro(
    () => parse({ x: { class: "linear", from: "data", n_outt: 2 } }),
    /unknown option "n_outt" for class "linear" \(did you mean "n_out"\?\)/,
  );
});

test("a bad option value names the option", () => {
  throwsRepro(() => parse({ x: { class: "linear", from: "data", n_out: "2" } }), /layer "x": option "n_out"/);
});

test("a dangling from is an error naming the missing layer", () => {
  throwsRepro(
    () => parse({ x: { class: "copy", from: "encoderr" }, encoder: { class: "copy", from: "data" } }),
    /unknown layer "encoderr" \(did you mean "encoder"\?\)/,
  );
});

test("an unknown data key is an error", () => {
  throwsRepro(
    () => parse({ x: { class: "copy", from: "data:clases" } }),
    /unknown data key "data:clases" \(did you mean "classes"\?\)/,
  );
});

test("an unknown target is an error", () => {
  throwsRepro(
    () => parse({ x: { class: "softmax", from: "data", target: "labels", loss: "ce" } }),
    /option "target": unknown data key "labels"/,
  );
});

test("cycles are reported with the layers involved", () => {
  throwsRepro(
    () =>
      parse({
        a: { class: "copy", from: "b" },
        b: { class: "copy", from: "c" },
        c: { class: "copy", from: "a" },
      }),
    /cycle: a -> b -> c -> a/,
  );
});

test("prev: and base: outside a rec unit are errors", () => {
  throwsRepro(
    () => parse({ a: { class: "copy", from: "prev:a" } }),
    /"prev:a" is only valid inside a rec unit/,
  );
  throwsRepro(
    () => parse({ a: { class: "copy", from: "base:a" } }),
    /"base:a" is only valid inside a rec unit/,
  );
});

test("roots are the layers with losses, output layers and `output`", () => {
  const g = parse({
    a: { class: "copy", from: "data" },
    b: { class: "copy", from: "data", is_output_layer: true },
    output: { class: "copy", from: "a" },
    unused: { class: "copy", from: "data" },
  });
  assert.deepEqual(
    rootLayers(g).map((n) => n.name),
    ["b", "output"],
  );
});

test("extern_data is required and validated", () => {
  throwsRepro(() => parseExternData(undefined, "c.json"), /"extern_data" is missing/);
  throwsRepro(() => parseExternData({ data: { dim: 0 } }, "c.json"), /extern_data "data"/);
  throwsRepro(() => parseExternData({ data: { dim: 3, spars: true } }, "c.json"), /unknown option "spars"/);
});

test("a layer with a target and no n_out takes the target's dim (as RETURNN does)", () => {
  const g = parse({ output: { class: "softmax", from: "data", target: "classes", loss: "ce" } });
  assert.equal(g.layers.get("output")?.opts.n_out, 5);
});

test('a layer with a loss and no target takes the default target "classes" and its dim (RETURNN)', () => {
  const g = parse({ output: { class: "softmax", from: "data:data", loss: "ce" } });
  assert.equal(g.layers.get("output")?.opts.target, "classes");
  assert.equal(g.layers.get("output")?.opts.n_out, 5);
  assert.equal(
    parse({ h: { class: "linear", from: "data:data", n_out: 3 } }).layers.get("h")?.opts.target,
    undefined,
  );
});

test("a loss that reads no target (as_is) gets no default target", () => {
  const g = parse({ out: { class: "linear", from: "data:data", n_out: 2, loss: "as_is" } });
  assert.equal(g.layers.get("out")?.opts.target, undefined);
});

test("the config key `target` names the default target; a missing one is an error", () => {
  const dense = parseExternData(
    { data: { dim: 5, sparse: true }, phones: { dim: 7, sparse: true } },
    "c.json",
  );
  const net = { output: { class: "softmax", from: "data:data", loss: "ce" } };
  const defaultTarget = defaultTargetOf({ target: "phones" }, "c.json");
  assert.equal(parseNetwork(net, "c.json", dense, defaultTarget).layers.get("output")?.opts.n_out, 7);
  throwsRepro(
    () => parseNetwork(net, "c.json", dense),
    /layer "output": option "target": unknown data key "classes"/,
  );
  throwsRepro(() => defaultTargetOf({ target: 3 }, "c.json"), /"target" must be a data key/);
});

test("a rec layer's max_seq_len is checked when the network is parsed", () => {
  const rec = (maxSeqLen: string) => ({
    enc: { class: "linear", from: "data", n_out: 4 },
    output: {
      class: "rec",
      from: [],
      target: "classes",
      max_seq_len: maxSeqLen,
      unit: {
        output: { class: "choice", from: "prob", target: "classes", beam_size: 2 },
        prob: { class: "softmax", from: "prev:output", target: "classes" },
      },
    },
  });
  assert.ok(parse(rec("max_len_from('base:enc') * 2 + 1")).layers.has("output"));
  throwsRepro(
    () => parse(rec("max_len_from('base:emc')")),
    /^c\.json: layer "output": option "max_seq_len": max_len_from refers to unknown layer "base:emc" \(did you mean "enc"\?\)$/,
  );
  throwsRepro(() => parse(rec("len('enc')")), /option "max_seq_len": unsupported "len\('enc'\)"/);
});

test("a rec layer with an unknown string unit names the unit and the supported ones", () => {
  throwsRepro(
    () => parse({ fw: { class: "rec", unit: "nativelstm3", n_out: 4, direction: -1 } }),
    /layer "fw": unsupported unit "nativelstm3" \(did you mean "nativelstm"\?\) \(supported: /,
  );
});

test("reuse_params: None means no sharing", () => {
  const g = parse({ out: { class: "linear", from: "data", n_out: 3, reuse_params: null } });
  assert.equal(g.layers.get("out")?.opts.reuse_params, null);
});

/** Targets with EOS, as RETURNN's demo enc-dec: reinterpret_data (one more class) then postfix_in_time. */
const eosTargetLayers = {
  eos_: { class: "reinterpret_data", from: "data:classes", increase_sparse_dim: 1 },
  eos: { class: "postfix_in_time", from: "eos_", postfix: 5, register_as_extern_data: "classes0" },
};

test("register_as_extern_data makes a data key whose dim is read from the layers that compute it", () => {
  const g = parse({
    ...eosTargetLayers,
    output: { class: "softmax", from: "data:data", loss: "ce", target: "classes0" },
  });
  assert.equal(g.layers.get("output")?.opts.n_out, 6);
});

test("register_as_extern_data: an existing key, a unit layer, or an unknown computation is an error", () => {
  throwsRepro(
    () => parse({ x: { class: "copy", from: "data:data", register_as_extern_data: "classes" } }),
    /layer "x": register_as_extern_data: data key "classes" exists already/,
  );
  throwsRepro(
    () => parse({ x: { class: "linear", from: "data:data", n_out: 2, register_as_extern_data: "k" } }),
    /layer "x": register_as_extern_data: cannot tell the data's dim from "x"/,
  );
  throwsRepro(
    () =>
      parse({
        output: {
          class: "rec",
          from: "data:data",
          unit: { output: { class: "copy", from: "data:source", register_as_extern_data: "k" } },
        },
      }),
    /layer "output\/output": register_as_extern_data is only supported for top-level layers/,
  );
});

test("only_on_search layers are not built in training, as RETURNN without search_flag", () => {
  const g = parse({
    output: { class: "softmax", from: "data:data", target: "classes", loss: "ce" },
    report: { class: "copy", from: "output", only_on_search: true, loss: "edit_distance", target: "classes" },
  });
  assert.deepEqual([...g.layers.keys()], ["output"]);
  assert.deepEqual(
    rootLayers(g).map((n) => n.name),
    ["output"],
  );
});

test("a layer that reads an only_on_search layer is an error naming both", () => {
  throwsRepro(
    () =>
      parse({
        searched: { class: "copy", from: "data:data", only_on_search: true },
        output: { class: "softmax", from: "searched", target: "classes", loss: "ce" },
      }),
    /layer "output" reads layer "searched", which has only_on_search: true/,
  );
});

test("a unit may read base: layers named after its rec layer; an unknown base: layer is still an error", () => {
  const unit = { output: { class: "linear", from: ["data:source", "base:z_late"], n_out: 3 } };
  const g = parse({
    output: { class: "rec", from: "data:data", unit },
    z_late: { class: "linear", from: "data:data", n_out: 2 },
  });
  assert.ok(g.layers.get("output")?.unit?.layers.has("output"));
  throwsRepro(
    () => parse({ output: { class: "rec", from: "data:data", unit } }),
    /layer "output\/output": "from" refers to unknown layer "base:z_late"/,
  );
});

test("an option repronet import could not express (a Python function as eval) is an error naming it", () => {
  throwsRepro(
    () =>
      parse({
        t: { class: "eval", from: "data:classes", eval: "<python: function t_cheat_target>" },
        output: { class: "softmax", from: "data:data", loss: "ce" },
      }),
    /layer "t": option "eval" is function t_cheat_target in the RETURNN config, which repronet import cannot write as data/,
  );
  throwsRepro(
    () =>
      parse({
        output: { class: "softmax", from: "data:data", loss: "ce", loss_opts: { f: "<python: object X>" } },
      }),
    /layer "output": option "loss_opts\/f" is object X/,
  );
});
