/** Neural-network ops. Fused ones (softmax, cross-entropy, layer norm) carry their own gradient. */
import { kernels } from "../../kernels/active.js";
import { record } from "../tape.js";
import { empty, type Shape, sizeOf, Tensor, zeroed } from "../tensor.js";
import { unbroadcast } from "./broadcast.js";
import { binaryRaw, where } from "./elementwise.js";
import { axisIndex, transpose } from "./shape.js";

/** What masked positions become before a softmax: large, finite, never -inf. */
export const MASK_VALUE = -1e30;

const lastDim = (s: Shape): number => s[s.length - 1];

/** Moves `axis` to the end (and back), so row kernels can work on the last axis. */
function onLastAxis(x: Tensor, axis: number, f: (x: Tensor) => Tensor): Tensor {
  const a = axisIndex(axis, x.rank);
  if (a === x.rank - 1) return f(x);
  const perm = [...x.shape.keys()].filter((i) => i !== a).concat(a);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return transpose(f(transpose(x, perm)), inverse);
}

function softmaxLast(x: Tensor, log: boolean): Tensor {
  const cols = lastDim(x.shape);
  const rows = x.size / Math.max(cols, 1);
  const out = empty(x.shape);
  kernels().softmax(x.f32, out.f32, rows, cols, log);
  return record(out, [x], (g) => {
    const gx = empty(x.shape);
    kernels().softmaxBackward(out.f32, g.f32, gx.f32, rows, cols, log);
    return [gx];
  });
}

/** Softmax over `axis`; where `mask` (broadcastable, 1 = keep) is 0 the input is replaced by MASK_VALUE. */
export function softmax(x: Tensor, axis = -1, mask?: Tensor): Tensor {
  const masked = mask ? where(mask, x, MASK_VALUE) : x;
  return onLastAxis(masked, axis, (t) => softmaxLast(t, false));
}

export function logSoftmax(x: Tensor, axis = -1, mask?: Tensor): Tensor {
  const masked = mask ? where(mask, x, MASK_VALUE) : x;
  return onLastAxis(masked, axis, (t) => softmaxLast(t, true));
}

/**
 * Per-position cross-entropy of logits [..., V] against int32 labels [...],
 * with label smoothing (1-ls on the label, ls/(V-1) elsewhere). Fused: the
 * gradient is softmax − target. `argmax` (one entry per position), when
 * given, receives the logits' argmax as `max` finds it, from the same pass.
 */
export function sparseCrossEntropy(
  logits: Tensor,
  labels: Tensor,
  labelSmoothing = 0,
  argmax: Int32Array | null = null,
): Tensor {
  const classes = lastDim(logits.shape);
  const rowShape = logits.shape.slice(0, -1);
  if (labels.size !== sizeOf(rowShape)) {
    throw new Error(`cross-entropy: labels [${labels.shape}] do not match logits [${logits.shape}]`);
  }
  checkIndices(labels.i32, classes, "cross-entropy label");
  const rows = labels.size;
  const loss = empty(rowShape);
  // Kept for the backward pass as a tensor of this scope, so from the buffer pool (see ./fused.ts's qkvOp).
  const probs = empty(logits.shape);
  if (argmax && argmax.length !== rows)
    throw new Error(`cross-entropy: argmax has ${argmax.length} entries, not ${rows}`);
  kernels().crossEntropy(logits.f32, labels.i32, loss.f32, probs.f32, rows, classes, labelSmoothing, argmax);
  return record(loss, [logits], (g) => {
    const gx = empty(logits.shape);
    kernels().crossEntropyBackward(probs.f32, labels.i32, g.f32, gx.f32, rows, classes, labelSmoothing);
    return [gx];
  });
}

function checkIndices(idx: Int32Array, bound: number, what: string): void {
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= bound) throw new Error(`${what} ${idx[i]} out of range [0, ${bound})`);
  }
}

/** Picks entries of `x` along `axis` by int32 `indices`: shape x[:axis] + indices + x[axis+1:]. */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  const a = axisIndex(axis, x.rank);
  const outer = sizeOf(x.shape.slice(0, a));
  const len = x.shape[a];
  const inner = sizeOf(x.shape.slice(a + 1));
  checkIndices(indices.i32, len, "gather index");
  const out = empty([...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)]);
  kernels().gather(x.f32, indices.i32, out.f32, outer, len, inner);
  return record(out, [x], (g) => {
    const gx = zeroed(x.shape);
    kernels().scatterAdd(g.f32, indices.i32, gx.f32, outer, len, inner);
    return [gx];
  });
}

/**
 * Identity forward; backward drops the whole gradient of every entry of axis 0
 * (the batch) whose largest squared gradient is not below `threshold`
 * (RETURNN's filter_grad, the `grad_filter` option; NaN gradients are dropped too).
 */
export function filterGrad(x: Tensor, threshold: number): Tensor {
  const out = new Tensor(x.shape, x.data);
  return record(out, [x], (g) => {
    const gx = zeroed(x.shape);
    const rows = x.rank >= 2 ? x.shape[0] : 1;
    const per = rows === 0 ? 0 : g.size / rows;
    const src = g.f32;
    for (let b = 0; b < rows; b++) {
      let peak = 0;
      for (let i = b * per; i < (b + 1) * per; i++) peak = Math.max(peak, src[i] * src[i]);
      if (peak < threshold) gx.f32.set(src.subarray(b * per, (b + 1) * per), b * per);
    }
    return [gx];
  });
}

/** Float one-hot vectors [..., depth] for int32 indices (no gradient). */
export function oneHot(indices: Tensor, depth: number): Tensor {
  const idx = indices.i32;
  checkIndices(idx, depth, "one-hot index");
  const out = zeroed([...indices.shape, depth]);
  for (let i = 0; i < idx.length; i++) out.f32[i * depth + idx[i]] = 1;
  return out;
}

/** Layer normalisation over the last axis: (x − mean)/sqrt(var + eps) · gamma + beta. */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, epsilon = 1e-6): Tensor {
  const cols = lastDim(x.shape);
  if (gamma.size !== cols || beta.size !== cols) {
    throw new Error(`layer norm: scale/bias of size ${gamma.size}/${beta.size} for feature dim ${cols}`);
  }
  const rows = x.size / Math.max(cols, 1);
  const y = empty(x.shape);
  const mean = new Float32Array(rows);
  const rstd = new Float32Array(rows);
  kernels().layerNorm(x.f32, gamma.f32, beta.f32, y.f32, mean, rstd, rows, cols, epsilon);
  return record(y, [x, gamma, beta], (g, needs) => {
    const dx = empty(x.shape);
    const dgamma = zeroed(gamma.shape);
    const dbeta = zeroed(beta.shape);
    kernels().layerNormBackward(
      x.f32,
      gamma.f32,
      mean,
      rstd,
      g.f32,
      dx.f32,
      dgamma.f32,
      dbeta.f32,
      rows,
      cols,
    );
    return [needs[0] ? dx : null, needs[1] ? dgamma : null, needs[2] ? dbeta : null];
  });
}

/**
 * Uniform [0, 1) draws for dropout; `keepMask(rate, out)`, when present, writes
 * exactly `dropoutKeepMask(uniform(out.length), rate)` into `out` in one step
 * (KeyedStream.dropoutMaskInto).
 */
export type DropoutNoise = ((n: number) => Float32Array) & {
  keepMask?: (rate: number, out: Float32Array) => void;
};

/** The dropout multipliers for uniform draws `u`: u ≥ rate ? 1/(1−rate) : 0. */
export function dropoutKeepMask(u: Float32Array, rate: number): Float32Array {
  const keep = new Float32Array(u.length);
  const scale = 1 / (1 - rate);
  for (let i = 0; i < u.length; i++) keep[i] = u[i] >= rate ? scale : 0;
  return keep;
}

/** The multipliers into `out`: by keepMask when the noise source has one, else from its uniform draws. */
export function dropoutMultipliers(uniform: DropoutNoise, rate: number, out: Float32Array): void {
  if (uniform.keepMask) uniform.keepMask(rate, out);
  else out.set(dropoutKeepMask(uniform(out.length), rate));
}

/**
 * Inverted dropout: keeps an element where its uniform draw u ≥ rate and scales
 * by 1/(1−rate). `uniform(n)` must come from the keyed RNG; `noiseShape`
 * (broadcastable to x, e.g. [B, 1, D]) shares one draw across size-1 axes.
 */
export function dropout(x: Tensor, rate: number, uniform: DropoutNoise, noiseShape?: Shape): Tensor {
  if (rate <= 0) return x;
  if (rate >= 1) throw new Error(`dropout rate ${rate} must be < 1`);
  const shape = noiseShape ?? x.shape;
  // Not `mul`: a one-element mask that happens to drop would count as a constant 0 and cut the graph.
  const mask = empty(shape);
  dropoutMultipliers(uniform, rate, mask.f32);
  return record(binaryRaw("mul", x, mask), [x], (g) => [unbroadcast(binaryRaw("mul", g, mask), x.shape)]);
}
