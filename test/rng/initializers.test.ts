import assert from "node:assert/strict";
import { test } from "node:test";
import { ParamStore } from "../../src/network/params.js";
import {
  computeFans,
  constant,
  glorotNormal,
  glorotUniform,
  type InitFn,
  ones,
  parseInitializer,
  randomNormal,
  randomUniform,
  TRUNCATED_NORMAL_STD,
  truncatedNormal,
  varianceScaling,
  zeros,
} from "../../src/rng/initializers.js";
import { KeyedStream } from "../../src/rng/keyed.js";
import { ReproError } from "../../src/util/errors.js";

const stream = (name = "output/dec_01_att_query0/W") => new KeyedStream(7, name);
const run = (init: InitFn, shape: number[], name?: string) => init(stream(name), shape);

function stats(x: Float32Array): { mean: number; std: number; maxAbs: number } {
  let s = 0;
  let maxAbs = 0;
  for (const v of x) {
    s += v;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  const mean = s / x.length;
  let v2 = 0;
  for (const v of x) v2 += (v - mean) ** 2;
  return { mean, std: Math.sqrt(v2 / x.length), maxAbs };
}

test("computeFans follows Keras for ranks 0 to 4", () => {
  assert.deepEqual(computeFans([]), { fanIn: 1, fanOut: 1 });
  assert.deepEqual(computeFans([7]), { fanIn: 7, fanOut: 7 });
  assert.deepEqual(computeFans([3, 5]), { fanIn: 3, fanOut: 5 });
  assert.deepEqual(computeFans([2, 3, 5]), { fanIn: 6, fanOut: 10 });
  assert.deepEqual(computeFans([2, 4, 3, 5]), { fanIn: 24, fanOut: 40 });
  assert.throws(() => computeFans([2, -1]), RangeError);
});

test("glorot_uniform stays within sqrt(6/(fan_in+fan_out)) with variance limit²/3 ± 2%", () => {
  const x = run(glorotUniform(), [300, 400]);
  const limit = Math.sqrt(6 / 700);
  const { mean, std, maxAbs } = stats(x);
  assert.ok(maxAbs <= limit, `max ${maxAbs} > ${limit}`);
  assert.ok(maxAbs > 0.999 * limit, "range not used");
  assert.ok(Math.abs(mean) < 0.002, `mean ${mean}`);
  assert.ok(Math.abs(std ** 2 / (limit ** 2 / 3) - 1) < 0.02, `var ${std ** 2}`);
});

test("glorot_normal has std sqrt(2/(fan_in+fan_out)) ± 2% and is truncated at 2 of its pre-truncation std", () => {
  const x = run(glorotNormal(), [300, 400]);
  const want = Math.sqrt(2 / 700);
  const { std, maxAbs } = stats(x);
  assert.ok(Math.abs(std / want - 1) < 0.02, `std ${std}`);
  assert.ok(maxAbs <= (2 * want) / TRUNCATED_NORMAL_STD + 1e-7);
});

test("variance_scaling uses fan_in, fan_out or their average, and max(1, n)", () => {
  const shape = [100, 400];
  for (const [mode, n] of [
    ["fan_in", 100],
    ["fan_out", 400],
    ["fan_avg", 250],
  ] as const) {
    const { std } = stats(run(varianceScaling(2, mode, "untruncated_normal"), shape));
    assert.ok(Math.abs(std / Math.sqrt(2 / n) - 1) < 0.02, `${mode}: std ${std}`);
    const { maxAbs } = stats(run(varianceScaling(2, mode, "uniform"), shape));
    assert.ok(maxAbs <= Math.sqrt(6 / n) && maxAbs > 0.99 * Math.sqrt(6 / n), `${mode}: max ${maxAbs}`);
  }
  // A zero fan (empty tensor) is clamped to n = 1 rather than dividing by zero.
  assert.deepEqual(run(varianceScaling(1, "fan_in", "uniform"), [0, 5]), new Float32Array(0));
});

test("variance_scaling 'normal' is TF1's name for truncated_normal", () => {
  assert.deepEqual(run(varianceScaling(1, "fan_avg", "normal"), [20, 30]), run(glorotNormal(), [20, 30]));
});

test("zeros, ones and constant fill the whole shape", () => {
  assert.deepEqual(run(zeros(), [2, 3]), new Float32Array(6));
  assert.deepEqual(run(ones(), [4]), Float32Array.of(1, 1, 1, 1));
  assert.deepEqual(run(constant(0.5), []), Float32Array.of(0.5));
});

test("a parameter's value depends on (seed, name, shape, initializer), not on what was created before", () => {
  // Through the ParamStore, which owns the streams: different creation orders and
  // an extra parameter in between must not move "a/W".
  const first = new ParamStore(7);
  const a1 = first.get("a/W", [8, 8], glorotUniform()).toArray();
  first.get("b/W", [16, 4], glorotUniform());
  const second = new ParamStore(7);
  second.get("b/W", [16, 4], glorotUniform());
  second.get("c/W", [3, 5], randomNormal(0, 1));
  assert.deepEqual(second.get("a/W", [8, 8], glorotUniform()).toArray(), a1);
  assert.notDeepEqual(new ParamStore(7).get("b/W", [8, 8], glorotUniform()).toArray(), a1, "name matters");
  assert.notDeepEqual(new ParamStore(8).get("a/W", [8, 8], glorotUniform()).toArray(), a1, "seed matters");
});

test("parseInitializer reads numbers, names, suffixed and CamelCase names", () => {
  const shape = [6, 5];
  const glorot = run(glorotUniform(), shape);
  for (const spec of [
    "glorot_uniform",
    "glorot_uniform_initializer",
    "glorot_uniform()",
    "GlorotUniform",
    " glorot_uniform ",
  ]) {
    assert.deepEqual(run(parseInitializer(spec, "test"), shape), glorot, spec);
  }
  assert.deepEqual(run(parseInitializer(0.25, "test"), [3]), Float32Array.of(0.25, 0.25, 0.25));
  assert.deepEqual(run(parseInitializer(0, "test"), [2]), new Float32Array(2));
  assert.deepEqual(run(parseInitializer("zeros", "test"), [2]), new Float32Array(2));
});

test("parseInitializer reads call strings with keyword and positional Python literals", () => {
  const shape = [6, 5];
  const vs = run(varianceScaling(0.5, "fan_avg", "uniform"), shape);
  for (const spec of [
    "variance_scaling_initializer(scale=0.5, mode='fan_avg', distribution='uniform')",
    'variance_scaling_initializer(0.5, "fan_avg", distribution="uniform",)',
    "VarianceScaling(scale=5e-1, mode='fan_avg', distribution='uniform', seed=None)",
  ]) {
    assert.deepEqual(run(parseInitializer(spec, "test"), shape), vs, spec);
  }
  assert.deepEqual(
    run(parseInitializer("random_normal_initializer(stddev=0.01)", "t"), shape),
    run(randomNormal(0, 0.01), shape),
  );
  assert.deepEqual(
    run(parseInitializer("random_normal_initializer(-1, .5)", "t"), shape),
    run(randomNormal(-1, 0.5), shape),
  );
  assert.deepEqual(run(parseInitializer("constant_initializer(-0.1)", "t"), [1]), Float32Array.of(-0.1));
});

test("parseInitializer uses TF1 init_ops defaults, as RETURNN does", () => {
  const shape = [10, 10];
  assert.deepEqual(run(parseInitializer("random_normal", "t"), shape), run(randomNormal(0, 1), shape));
  assert.deepEqual(run(parseInitializer("truncated_normal", "t"), shape), run(truncatedNormal(0, 1), shape));
  assert.deepEqual(run(parseInitializer("random_uniform", "t"), shape), run(randomUniform(0, 1), shape));
  assert.deepEqual(
    run(parseInitializer("random_uniform_initializer(maxval=None)", "t"), shape),
    run(randomUniform(0, 1), shape),
  );
  assert.deepEqual(
    run(parseInitializer("variance_scaling", "t"), shape),
    run(varianceScaling(1, "fan_in", "truncated_normal"), shape),
  );
});

test("parseInitializer reads {class: ...} dicts", () => {
  const spec = { class: "variance_scaling", scale: 0.78, mode: "fan_in", distribution: "uniform", seed: 3 };
  assert.deepEqual(
    run(parseInitializer(spec, "t"), [4, 4]),
    run(varianceScaling(0.78, "fan_in", "uniform"), [4, 4]),
  );
  assert.deepEqual(run(parseInitializer({ class: "Zeros" }, "t"), [2]), new Float32Array(2));
});

function throwsOneLine(spec: unknown, ...parts: string[]): void {
  const where = "layer 'output' option 'forward_weights_init'";
  assert.throws(
    () => parseInitializer(spec, where),
    (e: unknown) => {
      assert.ok(e instanceof ReproError, String(e));
      assert.ok(!e.message.includes("\n"), "message has more than one line");
      assert.ok(e.message.startsWith(`${where}: `), e.message);
      for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" lacks "${p}"`);
      return true;
    },
  );
}

test("parseInitializer errors name the place and suggest the closest name", () => {
  throwsOneLine("glorot_unifrom", 'unknown initializer "glorot_unifrom"', 'did you mean "glorot_uniform"');
  throwsOneLine("xavier", 'unknown initializer "xavier"');
  throwsOneLine("tf.glorot_uniform_initializer()", 'unknown initializer "tf.glorot_uniform_initializer"');
  throwsOneLine({ class: "variance_scalling" }, 'did you mean "variance_scaling"');
  throwsOneLine("variance_scaling_initializer(scael=2)", 'unknown option "scael"', 'did you mean "scale"');
  throwsOneLine("variance_scaling(mode='fan_avgg')", "fan_in, fan_out, fan_avg", 'did you mean "fan_avg"');
  throwsOneLine(
    "variance_scaling(scale='big')",
    'option "scale" of variance_scaling must be a finite number',
  );
  throwsOneLine("variance_scaling(scale=0)", "must be positive");
  throwsOneLine("random_normal(0, 1, 2)", "at most 2 positional arguments");
  throwsOneLine("random_normal(0, mean=1)", 'option "mean" of random_normal is given twice');
  throwsOneLine({ scale: 1 }, '"class"');
  throwsOneLine({ class: "constant", value: [1, 2] }, 'option "value" must be a number or string');
});

test("parseInitializer reports syntax errors with their column, and non-initializer values", () => {
  throwsOneLine("variance_scaling(mode=fan_avg)", "expected a number, a quoted string", "column 23");
  throwsOneLine("random_normal(stddev=0.1", "expected ',' or ')'");
  throwsOneLine("random_normal(mean='0)", "unterminated string");
  throwsOneLine("glorot_uniform() + 1", "unexpected text");
  throwsOneLine("random_normal(mean=1, 2)", "positional argument after keyword");
  throwsOneLine("", "expected an initializer name");
  throwsOneLine(Number.NaN, "must be finite");
  throwsOneLine(undefined, "got nothing");
  throwsOneLine([1, 2], "got a list");
});
