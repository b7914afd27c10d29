/**
 * The native kernels: the C++ addon (native/src) behind the `Kernels`
 * interface. Arrays are passed zero-copy; shapes and strides travel in one
 * reused Int32Array. Results are bitwise identical for any thread count (see
 * native/src/pool.h); GEMM sums in float32 with FMA, most other kernels
 * reproduce the JS reference's float64 arithmetic.
 */
import { jsKernels } from "../js/index.js";
import { adamStepSize } from "../js/nn.js";
import type {
  AttentionSpec,
  BinaryOp,
  CrossAttentionSpec,
  Kernels,
  LstmBackwardArgs,
  LstmForwardArgs,
  LstmSpec,
  MatmulSpec,
  UnaryOp,
} from "../kernels.js";
import { loadAddon, type NativeAddon } from "./addon.js";

const unaryCodes: Record<UnaryOp, number> = {
  neg: 0,
  exp: 1,
  log: 2,
  sqrt: 3,
  rsqrt: 4,
  abs: 5,
  relu: 6,
  gelu: 7,
  tanh: 8,
  sigmoid: 9,
  sign: 10,
  square: 11,
  reciprocal: 12,
};

const binaryCodes: Record<BinaryOp, number> = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  pow: 4,
  max: 5,
  min: 6,
  eq: 7,
  ne: 8,
  lt: 9,
  le: 10,
  gt: 11,
  ge: 12,
  relu_grad: 13,
  gelu_grad: 14,
  tanh_grad: 15,
  sigmoid_grad: 16,
};

const MAX_RANK = 16;
const meta = new Int32Array(1 + MAX_RANK * 4);

/** Writes [rank, shape, strides...] into the shared meta array. */
function packMeta(shape: readonly number[], strides: readonly (readonly number[])[]): Int32Array {
  const rank = shape.length;
  if (rank > MAX_RANK) throw new Error(`native kernels support rank ≤ ${MAX_RANK}, got ${rank}`);
  meta[0] = rank;
  for (let d = 0; d < rank; d++) meta[1 + d] = shape[d];
  for (let k = 0; k < strides.length; k++) {
    const s = strides[k];
    for (let d = 0; d < rank; d++) meta[1 + (k + 1) * rank + d] = s[d];
  }
  return meta;
}

/** Below this many elements an element-wise op runs in JS: the call costs more than the work. */
const SMALL = 32;

function attentionArgs(s: AttentionSpec): unknown[] {
  return [s.n, s.heads, s.tq, s.tk, s.dk, s.dv, s.rowsPerLength, s.scale, s.causal];
}

function crossAttentionArgs(s: CrossAttentionSpec): unknown[] {
  return [s.qLengths, s.kLengths, s.batch, s.heads, s.tq, s.tk, s.dk, s.dv, s.factor];
}

export interface NativeKernels extends Kernels {
  /** Threads of the kernel pool (the calling thread included). */
  setThreads(n: number): void;
  threads(): number;
  /** The instruction set of every multi-versioned kernel (GEMM, exp, Philox): "avx512", "avx2", "generic". */
  isa(): string;
  setIsa(name: "auto" | "avx512" | "avx2" | "generic"): boolean;
}

export function makeNativeKernels(a: NativeAddon): NativeKernels {
  return {
    name: "native",
    setThreads: (n) => a.setThreads(n),
    threads: () => a.threads(),
    isa: () => a.isa(),
    setIsa: (name) => a.setIsa(name),

    unary(op, x, out) {
      if (x.length < SMALL) jsKernels.unary(op, x, out);
      else a.unary(unaryCodes[op], x, out);
    },
    binary(op, x, xs, y, ys, out, shape) {
      if (out.length < SMALL) jsKernels.binary(op, x, xs, y, ys, out, shape);
      else a.binary(binaryCodes[op], x, y, out, packMeta(shape, [xs, ys]));
    },
    where(c, cs, x, xs, y, ys, out, shape) {
      if (out.length < SMALL) jsKernels.where(c, cs, x, xs, y, ys, out, shape);
      else a.where(c, x, y, out, packMeta(shape, [cs, xs, ys]));
    },
    copy(src, sOff, sStrides, dst, dOff, dStrides, shape) {
      let n = 1;
      for (const d of shape) n *= d;
      if (n < SMALL || src.constructor !== dst.constructor)
        jsKernels.copy(src, sOff, sStrides, dst, dOff, dStrides, shape);
      else a.copy(src, sOff, dst, dOff, packMeta(shape, [sStrides, dStrides]));
    },
    matmul(x, y, out, s: MatmulSpec) {
      a.matmul(x, y, out, s.batch, s.m, s.n, s.k, s.transA, s.transB, s.aBatchStride, s.bBatchStride);
    },
    sum: (x, out, outer, len, inner) => a.sum(x, out, outer, len, inner),
    max: (x, out, arg, outer, len, inner) => a.max(x, out, arg, outer, len, inner),
    softmax: (x, out, rows, cols, log) => a.softmax(x, out, rows, cols, log),
    softmaxBackward: (y, gy, gx, rows, cols, log) => a.softmaxBackward(y, gy, gx, rows, cols, log),
    layerNorm: (x, g, b, y, mean, rstd, rows, cols, eps) =>
      a.layerNorm(x, g, b, y, mean, rstd, rows, cols, eps),
    layerNormBackward: (x, g, mean, rstd, gy, dx, dg, db, rows, cols) =>
      a.layerNormBackward(x, g, mean, rstd, gy, dx, dg, db, rows, cols),
    crossEntropy: (logits, labels, loss, probs, rows, classes, ls, argmax) =>
      a.crossEntropy(logits, labels, loss, probs, rows, classes, ls, argmax),
    crossEntropyBackward: (probs, labels, gloss, dl, rows, classes, ls) =>
      a.crossEntropyBackward(probs, labels, gloss, dl, rows, classes, ls),
    gather: (x, idx, out, outer, len, inner) => a.gather(x, idx, out, outer, len, inner),
    scatterAdd: (gy, idx, gx, outer, len, inner) => a.scatterAdd(gy, idx, gx, outer, len, inner),
    adam(p, g, m, v, o) {
      a.adam(p, g, m, v, o.lr, adamStepSize(o), o.beta1, o.beta2, o.epsilon, o.weightDecay);
    },
    adamMany(ps, gs, ms, vs, o) {
      a.adamMany(ps, gs, ms, vs, o.lr, adamStepSize(o), o.beta1, o.beta2, o.epsilon, o.weightDecay);
    },
    attention(q, k, v, drop, out, probs, s) {
      a.attention(q, k, v, s.lengths, drop, out, probs, ...attentionArgs(s));
    },
    attentionBackward(q, k, v, drop, probs, gout, gq, gk, gv, s) {
      a.attentionBackward(q, k, v, s.lengths, drop, probs, gout, gq, gk, gv, ...attentionArgs(s));
    },
    attentionPacked(qkv, drop, out, probs, s) {
      a.attentionPacked(qkv, s.lengths, drop, out, probs, ...attentionArgs(s));
    },
    attentionPackedBackward(qkv, drop, probs, gout, gqkv, s) {
      a.attentionPackedBackward(qkv, s.lengths, drop, probs, gout, gqkv, ...attentionArgs(s));
    },
    crossAttention(q, k, v, drop, out, probs, s) {
      a.crossAttention(q, k, v, drop, out, probs, ...crossAttentionArgs(s));
    },
    crossAttentionBackward(q, k, v, drop, probs, gout, gq, gk, gv, s) {
      a.crossAttentionBackward(q, k, v, drop, probs, gout, gq, gk, gv, ...crossAttentionArgs(s));
    },
    philoxWords(k0, k1, word2, word3, first, out) {
      if (out.length < SMALL) jsKernels.philoxWords(k0, k1, word2, word3, first, out);
      else a.philoxWords(k0, k1, word2, word3, first, out);
    },
    dropoutMask(k0, k1, word2, word3, first, rate, out) {
      if (out.length < SMALL) jsKernels.dropoutMask(k0, k1, word2, word3, first, rate, out);
      else a.dropoutMask(k0, k1, word2, word3, first, rate, out);
    },
    hashBlocks(words, out) {
      if (words.length < SMALL) jsKernels.hashBlocks(words, out);
      else a.hashBlocks(words, out);
    },
    ctcLoss(logits, labels, inputLengths, labelLengths, s, loss, grad) {
      a.ctcLoss(
        logits,
        labels,
        inputLengths,
        labelLengths,
        s.batch,
        s.time,
        s.classes,
        s.maxLabels,
        s.blank,
        loss,
        grad,
      );
    },
    lstmForward: (...args) => a.lstmForward(...lstmArgs(args)),
    lstmBackward: (...args) => a.lstmBackward(...lstmArgs(args)),
    lstmForwardPair: (x, y) => a.lstmForwardPair(...lstmArgs(x), ...lstmArgs(y)),
    lstmBackwardPair: (x, y) => a.lstmBackwardPair(...lstmArgs(x), ...lstmArgs(y)),
  };
}

/** An LSTM kernel's arguments as the addon takes them: the spec (last) as B, T, n, backward. */
function lstmArgs(args: LstmForwardArgs | LstmBackwardArgs): unknown[] {
  const s = args[args.length - 1] as LstmSpec;
  return [...args.slice(0, -1), s.b, s.t, s.n, s.backward];
}

let instance: NativeKernels | null | undefined;
let failure = "";

/** The native kernels, or null when the addon is not available (`nativeUnavailableReason()` says why). */
export function nativeKernels(): NativeKernels | null {
  if (instance !== undefined) return instance;
  const r = loadAddon();
  if (r.addon === null) {
    failure = r.reason;
    instance = null;
  } else {
    instance = makeNativeKernels(r.addon);
  }
  return instance;
}

export const nativeUnavailableReason = (): string => failure;
