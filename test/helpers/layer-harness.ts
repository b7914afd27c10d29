/**
 * Running one layer class outside a network, for layer tests.
 *
 *   const x = randDense([2, 3, 4], [3, 1], 7);           // [B=2, T=3, F=4], lengths 3 and 1
 *   const y = runLayer("linear", { n_out: 5 }, [x]);      // validated options, fresh ParamStore
 *   layerGradCheck((d) => runLayer("linear", { n_out: 5 }, [d], { params }), [x], params);
 *   maskingCheck((d) => runLayer("linear", { n_out: 5 }, [d], { params }), x);
 *
 * Layer modules register themselves on import: a test imports the layer file it
 * tests (`import "../../src/layers/linear.js"`), never `src/layers/index.js`.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { commonOptions, type LayerContext, type RecInfo } from "../../src/layers/layer.js";
import { layerClass } from "../../src/layers/registry.js";
import { createContext } from "../../src/network/context.js";
import { batchDim, Data, type Dim, staticDim, timeDim } from "../../src/network/data.js";
import { ParamStore } from "../../src/network/params.js";
import { mul, sum, where } from "../../src/tensor/ops/index.js";
import { valueAndGrads } from "../../src/tensor/tape.js";
import { scalar, Tensor, tidy } from "../../src/tensor/tensor.js";
import { ReproError } from "../../src/util/errors.js";
import { type GradCheckOptions, gradCheck, testRandom } from "./gradcheck.js";

// ---- building input data ----------------------------------------------------

/** A time dim with the given per-sequence lengths (its size is the longest). */
export const timeDimOf = (lengths: readonly number[], name = "T", loop = false): Dim =>
  timeDim(Int32Array.from(lengths), name, loop);

/**
 * Dense float data [B, T, F] (batch, time with `lengths`, feature). `values` is
 * row-major; pass `dims` to reuse existing dim objects (e.g. the same T twice).
 */
export function denseData(
  values: ArrayLike<number>,
  shape: readonly [number, number, number],
  lengths: readonly number[],
  dims?: readonly Dim[],
): Data {
  const [B, T, F] = shape;
  if (lengths.length !== B) throw new Error(`denseData: ${lengths.length} lengths for batch ${B}`);
  if (Math.max(...lengths) !== T) throw new Error(`denseData: longest length must equal T=${T}`);
  const d = dims ?? [batchDim(B), timeDimOf(lengths), staticDim(F)];
  return new Data(new Tensor([B, T, F], Float32Array.from(values)), d);
}

/** Dense [B, T, F] data with values uniform in [lo, hi), from a fixed test seed. */
export function randDense(
  shape: readonly [number, number, number],
  lengths: readonly number[],
  seed: number,
  lo = -1,
  hi = 1,
): Data {
  const r = testRandom(seed);
  const n = shape[0] * shape[1] * shape[2];
  return denseData(
    Float32Array.from({ length: n }, () => lo + (hi - lo) * r()),
    shape,
    lengths,
  );
}

/** Float data of any shape with the given dims (values row-major). */
export function dataOf(values: ArrayLike<number>, dims: readonly Dim[]): Data {
  return new Data(
    new Tensor(
      dims.map((d) => d.size),
      Float32Array.from(values),
    ),
    dims,
  );
}

/** Sparse int32 label data [B, T] with `numClasses` classes; `indices[b]` is sequence b (padded with 0). */
export function sparseData(
  indices: readonly (readonly number[])[],
  numClasses: number,
  dims?: readonly Dim[],
): Data {
  const B = indices.length;
  const lengths = indices.map((s) => s.length);
  const T = Math.max(...lengths);
  const flat = new Int32Array(B * T);
  indices.forEach((s, b) => {
    s.forEach((v, t) => {
      flat[b * T + t] = v;
    });
  });
  const d = dims ?? [batchDim(B), timeDimOf(lengths)];
  return new Data(new Tensor([B, T], flat), d, numClasses);
}

// ---- running a layer -----------------------------------------------------------

export interface RunSetup {
  /** Layer path (default "layer"); parameters are named `${path}/W` etc. */
  path?: string;
  /** Parameter store; pass one to reuse parameters across runs (default: a fresh store, seed 42). */
  params?: ParamStore;
  train?: boolean;
  step?: number;
  /** Lookup for `ctx.layer(name)` (e.g. `data:classes`). */
  resolve?: (name: string) => Data;
  rec?: RecInfo;
}

/**
 * Validates `opts` (without `class`) against commonOptions + the class's own
 * schema, strictly: unknown keys are errors. Zod failures become a ReproError
 * `${path}: option ...`.
 */
export function layerOptions(
  cls: string,
  opts: Record<string, unknown>,
  path = "layer",
): Record<string, unknown> {
  const def = layerClass(cls, path);
  const schema = z.strictObject({ ...commonOptions, ...def.options });
  const parsed = schema.safeParse({ class: cls, ...opts });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReproError(`${path}: option ${issue.path.join(".") || "(options)"}: ${issue.message}`);
  }
  return parsed.data as Record<string, unknown>;
}

/** A real LayerContext (createContext) for `setup`. */
export function layerContext(setup: RunSetup = {}): LayerContext {
  return createContext({
    path: setup.path ?? "layer",
    train: setup.train ?? false,
    params: setup.params ?? new ParamStore(42),
    step: setup.step ?? 0,
    resolve: setup.resolve,
    rec: setup.rec,
  });
}

/** Runs the registered layer class `cls` with validated options on `inputs` (as the runner would). */
export function runLayer(
  cls: string,
  opts: Record<string, unknown>,
  inputs: readonly Data[],
  setup: RunSetup = {},
): Data {
  const path = setup.path ?? "layer";
  const def = layerClass(cls, path);
  const parsed = layerOptions(cls, opts, path);
  if (inputs.length === 0 && !def.allowNoSources) throw new ReproError(`${path}: needs at least one source`);
  return def.forward(layerContext({ ...setup, path }), inputs, parsed as never);
}

/** The parameter tensors of a store, sorted by name (same order as `store.list()`). */
export const paramTensors = (store: ParamStore): Tensor[] => store.list().map((p) => p.value);

// ---- checks ---------------------------------------------------------------------

/** Element-wise |actual − expected| ≤ tol (expected as a flat row-major list). */
export function assertClose(
  actual: Tensor | ArrayLike<number>,
  expected: ArrayLike<number>,
  tol = 1e-5,
): void {
  const a = actual instanceof Tensor ? actual.data : actual;
  assert.equal(a.length, expected.length, `length ${a.length} ≠ expected ${expected.length}`);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - expected[i]) <= tol, `element ${i}: ${a[i]} ≠ ${expected[i]} (tol ${tol})`);
  }
}

/**
 * Finite-difference check of `run` w.r.t. every float input value and every
 * tensor in `params` (a ParamStore: all its parameters; create them first by
 * running once — this helper does so). Objective: Σ output · r, padded frames
 * included.
 */
export function layerGradCheck(
  run: (...inputs: Data[]) => Data,
  inputs: readonly Data[],
  params: ParamStore | readonly Tensor[] = [],
  opts: GradCheckOptions = {},
): void {
  tidy(() => {
    run(...inputs); // creates the parameters
  });
  const ps = params instanceof ParamStore ? paramTensors(params) : [...params];
  const floatInputs = inputs.filter((d) => d.value.dtype === "float32").map((d) => d.value);
  const all = [...floatInputs, ...ps];
  if (all.length === 0) throw new Error("layerGradCheck: nothing to check (no float inputs, no params)");
  // The tensors are mutated in place by gradCheck, so the closure sees every perturbation.
  gradCheck(() => run(...inputs).value, all, opts);
}

/** Row-major multi-index of flat position `i` in `shape`. */
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = i % shape[a];
    i = Math.floor(i / shape[a]);
  }
  return idx;
}

/** True if element `idx` of data with `dims` lies within every sequence length (time and loop dims). */
export function isValidFrame(dims: readonly Dim[], idx: readonly number[]): boolean {
  const b = dims.findIndex((d) => d.kind === "batch");
  for (let a = 0; a < dims.length; a++) {
    const lengths = dims[a].lengths;
    if (!lengths) continue;
    let len: number;
    if (b >= 0) len = lengths[idx[b]];
    else if (lengths.length === 1) len = lengths[0];
    else throw new Error(`isValidFrame: time dim ${dims[a].name} without a batch axis`);
    if (idx[a] >= len) return false;
  }
  return true;
}

/** 0/1 float validity of every element of data with `dims` (see isValidFrame). */
export function validMask(dims: readonly Dim[]): Tensor {
  const shape = dims.map((d) => d.size);
  const n = shape.reduce((p, q) => p * q, 1);
  return new Tensor(
    shape,
    Float32Array.from({ length: n }, (_, i) => (isValidFrame(dims, unravel(i, shape)) ? 1 : 0)),
  );
}

/** Garbage patterns written beyond each sequence's end: huge values of both signs, infinities and NaN. */
const GARBAGE: readonly (readonly number[])[] = [
  [Number.NaN],
  [1e30, -3e38, Number.NaN, 7e37],
  [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1e30],
];

/** A copy of `data` whose frames beyond the sequence ends hold `pattern` (sparse: other valid class ids). */
export function withGarbage(data: Data, pattern: readonly number[] = GARBAGE[1]): Data {
  const shape = data.value.shape;
  const src = data.value.data;
  const out = src.slice();
  let k = 0;
  for (let i = 0; i < out.length; i++) {
    if (isValidFrame(data.dims, unravel(i, shape))) continue;
    if (out instanceof Int32Array) out[i] = (data.sparseDim ?? 1) - 1 - (k++ % (data.sparseDim ?? 1));
    else out[i] = pattern[k++ % pattern.length];
  }
  return new Data(new Tensor(shape, out), data.dims, data.sparseDim);
}

export interface MaskingCheckOptions {
  /**
   * Also require the gradient of Σ (valid output frames · r) w.r.t. the valid
   * frames of every float input to be bitwise unchanged (default true).
   */
  grads?: boolean;
  /** Which inputs get garbage (default: all). */
  which?: readonly number[];
}

const bits = (x: Tensor): Uint32Array => new Uint32Array(Float32Array.from(x.data).buffer);

/**
 * Padded frames must never affect valid frames: writes garbage (NaN, ±huge,
 * ±inf) beyond each sequence's end of the inputs and asserts the output's valid
 * frames (per the output's own time dims; a scalar output is all valid) are
 * bitwise unchanged — and, unless `grads: false`, the input gradients at valid
 * frames too. `data` is one input or a list of inputs passed to `run` in order.
 */
export function maskingCheck(
  run: (...inputs: Data[]) => Data,
  data: Data | readonly Data[],
  opts: MaskingCheckOptions = {},
): void {
  const inputs = data instanceof Data ? [data] : [...data];
  const which = opts.which ?? inputs.map((_, i) => i);
  const checkGrads = opts.grads ?? true;
  const probe = (xs: Data[]) =>
    tidy(() => {
      const floats = xs.filter((d) => d.value.dtype === "float32").map((d) => d.value);
      let out: Data | undefined;
      const r = testRandom(99);
      const { grads } = valueAndGrads(
        () => {
          out = run(...xs);
          if (out.value.dtype !== "float32") return scalar(0); // int32 output: values only
          const valid = validMask(out.dims);
          const w = new Tensor(
            out.value.shape,
            Float32Array.from({ length: out.value.size }, () => r() * 2 - 1),
          );
          return sum(mul(where(valid, out.value, 0), w));
        },
        checkGrads ? floats : [],
      );
      const o = out!;
      const valid = validMask(o.dims).data;
      const outBits = bits(o.value);
      return {
        dims: o.dims,
        out: Array.from(outBits, (v, i) => (valid[i] ? v : -1)),
        grads: grads.map((g, k) => {
          if (g === null) return null;
          const vm = validMask(xs.filter((d) => d.value.dtype === "float32")[k].dims).data;
          return Array.from(bits(g), (v, i) => (vm[i] ? v : -1));
        }),
      };
    });
  const clean = probe(inputs);
  for (const pattern of GARBAGE) {
    const dirty = probe(inputs.map((d, i) => (which.includes(i) ? withGarbage(d, pattern) : d)));
    assert.equal(dirty.dims.length, clean.dims.length, "output rank changed with garbage input");
    const firstDiff = clean.out.findIndex((v, i) => v !== dirty.out[i]);
    assert.equal(
      firstDiff,
      -1,
      `valid output element ${firstDiff} changed when padded frames held [${pattern}]`,
    );
    if (checkGrads) {
      clean.grads.forEach((g, k) => {
        const h = dirty.grads[k];
        if (g === null || h === null) {
          assert.equal(h, g, `input ${k}: gradient presence changed with garbage`);
          return;
        }
        const diff = g.findIndex((v, i) => v !== h[i]);
        assert.equal(diff, -1, `input ${k}: gradient at valid element ${diff} changed with [${pattern}]`);
      });
    }
  }
}

/** Data of the given dims filled with uniform values in [-1, 1) from a seeded test generator. */
export function randData(dims: readonly Dim[], seed: number): Data {
  const r = testRandom(seed);
  return dataOf(
    Float32Array.from({ length: dims.reduce((n, d) => n * d.size, 1) }, () => r() * 2 - 1),
    dims,
  );
}

/** |a − b| ≤ 1e-5·(1 + |b|). */
export const closeTo = (a: number, b: number): void =>
  assert.ok(Math.abs(a - b) <= 1e-5 * (1 + Math.abs(b)), `${a} vs ${b}`);
