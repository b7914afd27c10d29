import { didYouMean, ReproError } from "../util/errors.js";
import type { KeyedStream } from "./keyed.js";
import { PyCallSyntaxError, type PyValue, parsePyCall } from "./pycall.js";

/**
 * Parameter initializers as pure functions of (stream, shape). The caller makes
 * the stream from (random_seed, full parameter name), so a parameter's initial
 * value depends only on (seed, name, shape, initializer) — never on creation
 * order. Element i of the row-major result is element i of the stream.
 *
 * Semantics follow TensorFlow's init_ops (what RETURNN uses); fans as Keras
 * `_compute_fans`. parseInitializer turns RETURNN config values into these.
 */

export type InitFn = (stream: KeyedStream, shape: readonly number[]) => Float32Array;

export type FanMode = "fan_in" | "fan_out" | "fan_avg";
/** "normal" is TF1's older name for "truncated_normal" (TF1 VarianceScaling treats them alike). */
export type Distribution = "truncated_normal" | "untruncated_normal" | "uniform" | "normal";

/** std of a standard normal truncated to (-2, 2); dividing by it restores the wanted std. */
export const TRUNCATED_NORMAL_STD = 0.87962566103423978;

/** Number of elements of `shape`; every dimension must be a non-negative integer. */
export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`invalid shape [${shape.join(", ")}]`);
    size *= d;
  }
  return size;
}

/**
 * Keras `_compute_fans`: rank 0 → (1, 1); rank 1 → (n, n); rank 2 → [fan_in, fan_out];
 * rank > 2 (convolution kernels) → the receptive field (product of all but the
 * last two dims) times the last two dims.
 */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  shapeSize(shape);
  const r = shape.length;
  if (r === 0) return { fanIn: 1, fanOut: 1 };
  if (r === 1) return { fanIn: shape[0], fanOut: shape[0] };
  let receptive = 1;
  for (let k = 0; k < r - 2; k++) receptive *= shape[k];
  return { fanIn: shape[r - 2] * receptive, fanOut: shape[r - 1] * receptive };
}

export function zeros(): InitFn {
  return (_stream, shape) => new Float32Array(shapeSize(shape));
}

export function ones(): InitFn {
  return constant(1);
}

export function constant(value: number): InitFn {
  return (_stream, shape) => new Float32Array(shapeSize(shape)).fill(value);
}

export function randomUniform(minval: number, maxval: number): InitFn {
  return (stream, shape) => stream.uniformRange(shapeSize(shape), minval, maxval);
}

export function randomNormal(mean: number, stddev: number): InitFn {
  return (stream, shape) => stream.normal(shapeSize(shape), mean, stddev);
}

/** Normal(mean, stddev) with draws beyond 2 stddev redrawn (TF truncated_normal). */
export function truncatedNormal(mean: number, stddev: number): InitFn {
  return (stream, shape) => stream.truncatedNormal(shapeSize(shape), mean, stddev);
}

/**
 * TF/Keras VarianceScaling: n = max(1, fan_in | fan_out | (fan_in + fan_out) / 2),
 * s = scale / n; truncated_normal (and "normal"): truncated normal with std
 * sqrt(s) / 0.8796…; untruncated_normal: normal with std sqrt(s); uniform:
 * U(-sqrt(3 s), sqrt(3 s)).
 */
export function varianceScaling(
  scale = 1,
  mode: FanMode = "fan_in",
  distribution: Distribution = "truncated_normal",
): InitFn {
  if (!(scale > 0)) throw new RangeError(`variance_scaling: scale must be positive, got ${scale}`);
  return (stream, shape) => {
    const { fanIn, fanOut } = computeFans(shape);
    const n = mode === "fan_in" ? fanIn : mode === "fan_out" ? fanOut : (fanIn + fanOut) / 2;
    const s = scale / Math.max(1, n);
    const size = shapeSize(shape);
    switch (distribution) {
      case "truncated_normal":
      case "normal":
        return stream.truncatedNormal(size, 0, Math.sqrt(s) / TRUNCATED_NORMAL_STD);
      case "untruncated_normal":
        return stream.normal(size, 0, Math.sqrt(s));
      case "uniform": {
        const limit = Math.sqrt(3 * s);
        return stream.uniformRange(size, -limit, limit);
      }
    }
  };
}

/** U(-limit, limit) with limit = sqrt(6 / (fan_in + fan_out)). */
export function glorotUniform(): InitFn {
  return varianceScaling(1, "fan_avg", "uniform");
}

/** Truncated normal with std sqrt(2 / (fan_in + fan_out)) / 0.8796…. */
export function glorotNormal(): InitFn {
  return varianceScaling(1, "fan_avg", "truncated_normal");
}

export function heNormal(): InitFn {
  return varianceScaling(2, "fan_in", "truncated_normal");
}

export function heUniform(): InitFn {
  return varianceScaling(2, "fan_in", "uniform");
}

export function lecunNormal(): InitFn {
  return varianceScaling(1, "fan_in", "truncated_normal");
}

export function lecunUniform(): InitFn {
  return varianceScaling(1, "fan_in", "uniform");
}

// ---- parsing RETURNN config values ----------------------------------------

/** [name, default, allowed strings] in TF1 positional order. */
type Param = readonly [name: string, fallback: number | string, choices?: readonly string[]];
type Opts = Record<string, number | string>;

interface Kind {
  params: readonly Param[];
  make: (o: Opts) => InitFn;
}

/** A param whose Python value may be None, meaning its default (TF1: random_uniform maxval). */
const NULLABLE = new Set(["maxval"]);
const MODES = ["fan_in", "fan_out", "fan_avg"];
const DISTRIBUTIONS = ["truncated_normal", "untruncated_normal", "uniform", "normal"];
const MEAN_STDDEV: readonly Param[] = [
  ["mean", 0],
  ["stddev", 1],
];
const num = (o: Opts, k: string): number => o[k] as number;
const fixed = (make: () => InitFn): Kind => ({ params: [], make });

/**
 * The initializers a config may name, with TF1 init_ops defaults: RETURNN's
 * get_initializer looks names up in tf.compat.v1 / init_ops, where e.g.
 * random_normal_initializer() has stddev 1.0 (Keras' RandomNormal has 0.05).
 */
const KINDS = new Map<string, Kind>([
  ["zeros", fixed(zeros)],
  ["ones", fixed(ones)],
  ["constant", { params: [["value", 0]], make: (o) => constant(num(o, "value")) }],
  [
    "random_uniform",
    {
      params: [
        ["minval", 0],
        ["maxval", 1],
      ],
      make: (o) => randomUniform(num(o, "minval"), num(o, "maxval")),
    },
  ],
  ["random_normal", { params: MEAN_STDDEV, make: (o) => randomNormal(num(o, "mean"), num(o, "stddev")) }],
  [
    "truncated_normal",
    { params: MEAN_STDDEV, make: (o) => truncatedNormal(num(o, "mean"), num(o, "stddev")) },
  ],
  [
    "variance_scaling",
    {
      params: [
        ["scale", 1],
        ["mode", "fan_in", MODES],
        ["distribution", "truncated_normal", DISTRIBUTIONS],
      ],
      make: (o) => varianceScaling(num(o, "scale"), o.mode as FanMode, o.distribution as Distribution),
    },
  ],
  ["glorot_uniform", fixed(glorotUniform)],
  ["glorot_normal", fixed(glorotNormal)],
  ["he_normal", fixed(heNormal)],
  ["he_uniform", fixed(heUniform)],
  ["lecun_normal", fixed(lecunNormal)],
  ["lecun_uniform", fixed(lecunUniform)],
]);

/** Names the known initializers, for error messages and documentation. */
export const INITIALIZER_NAMES: readonly string[] = [...KINDS.keys()].sort();

/** `GlorotUniform` / `glorot_uniform_initializer` / `glorot_uniform` → `glorot_uniform`. */
function canonicalName(raw: string): string {
  const snake = /[A-Z]/.test(raw) ? raw.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase() : raw;
  return snake.endsWith("_initializer") ? snake.slice(0, -"_initializer".length) : snake;
}

function show(v: PyValue): string {
  return typeof v === "string" ? `'${v}'` : v === null ? "None" : String(v);
}

/**
 * Reads an initializer as RETURNN configs write it:
 *   0.1                                     constant (0 and 1 are zeros/ones)
 *   "glorot_uniform", "zeros_initializer"   a name, TF1 defaults
 *   "variance_scaling_initializer(scale=0.5, mode='fan_avg', distribution='uniform')"
 *   "random_normal_initializer(0.0, 0.01)"  positional args in TF1 order
 *   {"class": "variance_scaling", "scale": 0.78, "mode": "fan_in"}
 * CamelCase class names (`VarianceScaling`) are accepted; `seed` is accepted
 * and ignored, because randomness comes from (random_seed, parameter name).
 * Anything else throws a one-line ReproError naming `where` (e.g. "layer 'output' option 'forward_weights_init'").
 */
export function parseInitializer(spec: unknown, where: string): InitFn {
  if (typeof spec === "number") {
    if (!Number.isFinite(spec))
      throw new ReproError(`${where}: constant initializer must be finite, got ${spec}`);
    return constant(spec);
  }
  if (typeof spec === "string") {
    let call: ReturnType<typeof parsePyCall>;
    try {
      call = parsePyCall(spec);
    } catch (e) {
      if (!(e instanceof PyCallSyntaxError)) throw e;
      throw new ReproError(`${where}: cannot read initializer "${spec}": ${e.message}`);
    }
    return build(call.name, call.args, call.kwargs, where);
  }
  if (typeof spec === "object" && spec !== null && !Array.isArray(spec)) {
    const { class: cls, ...rest } = spec as Record<string, unknown>;
    if (typeof cls !== "string") throw new ReproError(`${where}: initializer dict needs a "class" string`);
    const kwargs: [string, PyValue][] = Object.keys(rest)
      .sort()
      .map((k) => {
        const v = rest[k];
        const ok = v === null || ["number", "string", "boolean"].includes(typeof v);
        if (!ok) throw new ReproError(`${where}: initializer option "${k}" must be a number or string`);
        return [k, v as PyValue];
      });
    return build(cls, [], kwargs, where);
  }
  const got = Array.isArray(spec) ? "a list" : spec === null || spec === undefined ? "nothing" : typeof spec;
  throw new ReproError(
    `${where}: expected an initializer (number, name, call string or {"class": ...}), got ${got}`,
  );
}

function build(rawName: string, args: PyValue[], kwargs: [string, PyValue][], where: string): InitFn {
  const name = canonicalName(rawName);
  const kind = KINDS.get(name);
  if (kind === undefined) {
    throw new ReproError(`${where}: unknown initializer "${rawName}"${didYouMean(name, KINDS.keys())}`);
  }
  if (args.length > kind.params.length) {
    throw new ReproError(
      `${where}: ${name} takes at most ${kind.params.length} positional arguments, got ${args.length}`,
    );
  }
  const given = new Map<string, PyValue>();
  for (let i = 0; i < args.length; i++) given.set(kind.params[i][0], args[i]);
  for (const [k, v] of kwargs) {
    if (k === "seed") continue; // see parseInitializer
    if (!kind.params.some((p) => p[0] === k)) {
      const names = kind.params.map((p) => p[0]);
      throw new ReproError(`${where}: unknown option "${k}" for initializer ${name}${didYouMean(k, names)}`);
    }
    if (given.has(k)) throw new ReproError(`${where}: option "${k}" of ${name} is given twice`);
    given.set(k, v);
  }
  const opts: Opts = {};
  for (const [pname, dflt, choices] of kind.params) {
    let v = given.get(pname);
    if (v === undefined || (v === null && NULLABLE.has(pname))) v = dflt;
    if (typeof v !== typeof dflt || (typeof v === "number" && !Number.isFinite(v))) {
      const want = typeof dflt === "number" ? "a finite number" : "a string";
      throw new ReproError(`${where}: option "${pname}" of ${name} must be ${want}, got ${show(v)}`);
    }
    if (choices && !choices.includes(v as string)) {
      const hint = didYouMean(v as string, choices);
      throw new ReproError(
        `${where}: ${name} ${pname} ${show(v)} is not one of ${choices.join(", ")}${hint}`,
      );
    }
    opts[pname] = v as number | string;
  }
  if (name === "variance_scaling" && !(num(opts, "scale") > 0)) {
    throw new ReproError(`${where}: option "scale" of variance_scaling must be positive, got ${opts.scale}`);
  }
  return kind.make(opts);
}
