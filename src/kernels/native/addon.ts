/**
 * Locating and loading the compiled addon (build/Release/repronet_native.node,
 * built by `scripts/build-native.mjs` during `npm ci`). Loading never throws:
 * it returns the addon or the reason it is unavailable.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Kernels } from "../kernels.js";

/**
 * The functions the C++ side exports (native/src/addon.cc). Those with the
 * `Kernels` signature are taken from it; the rest take flattened arguments.
 */
export interface NativeAddon
  extends Pick<
    Kernels,
    | "sum"
    | "max"
    | "softmax"
    | "softmaxBackward"
    | "layerNorm"
    | "layerNormBackward"
    | "crossEntropy"
    | "crossEntropyBackward"
    | "gather"
    | "scatterAdd"
    | "philoxWords"
    | "hashBlocks"
  > {
  unary(op: number, x: Float32Array, out: Float32Array): void;
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, meta: Int32Array): void;
  where(c: Float32Array, a: Float32Array, b: Float32Array, out: Float32Array, meta: Int32Array): void;
  copy(
    src: Float32Array | Int32Array,
    sOff: number,
    dst: Float32Array | Int32Array,
    dOff: number,
    meta: Int32Array,
  ): void;
  matmul(
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    batch: number,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    aBatchStride: number,
    bBatchStride: number,
  ): void;
  adam(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, ...step: AdamScalars): void;
  dropoutMask(
    k0: number,
    k1: number,
    word2: number,
    word3: number,
    first: number,
    rate: number,
    out: Float32Array,
  ): void;
  attention(...args: unknown[]): void;
  attentionBackward(...args: unknown[]): void;
  attentionPacked(...args: unknown[]): void;
  attentionPackedBackward(...args: unknown[]): void;
  crossAttention(...args: unknown[]): void;
  crossAttentionBackward(...args: unknown[]): void;
  lstmForward(...args: unknown[]): void;
  lstmBackward(...args: unknown[]): void;
  lstmForwardPair(...args: unknown[]): void;
  lstmBackwardPair(...args: unknown[]): void;
  setThreads(n: number): void;
  threads(): number;
  /** The instruction set the GEMM, exp and Philox kernels use: "avx512", "avx2" or "generic". */
  isa(): string;
  /** Forces the ISA of all of them ("auto" = the best this CPU has); false when unsupported here. */
  setIsa(name: string): boolean;
  readonly hardwareConcurrency: number;
  ctcLoss(
    logits: Float32Array,
    labels: Int32Array,
    inputLengths: Int32Array,
    labelLengths: Int32Array,
    batch: number,
    time: number,
    classes: number,
    maxLabels: number,
    blank: number,
    loss: Float32Array,
    grad: Float32Array,
  ): void;
  adamMany(
    ps: readonly Float32Array[],
    gs: readonly Float32Array[],
    ms: readonly Float32Array[],
    vs: readonly Float32Array[],
    ...step: AdamScalars
  ): void;
  /** out[i] = e^(x[i] − shift) in float64 by the vectorised exp of the active ISA (for tests). */
  expShifted(x: Float32Array, shift: number, out: Float64Array): void;
}

/** Adam's scalar arguments: lrT is the bias-corrected step size. */
type AdamScalars = [
  lr: number,
  lrT: number,
  beta1: number,
  beta2: number,
  epsilon: number,
  weightDecay: number,
];

export type LoadResult = { addon: NativeAddon; path: string } | { addon: null; reason: string };

const ADDON = join("build", "Release", "repronet_native.node");

/** Candidate paths: $REPRONET_NATIVE_ADDON alone when set, else build/Release in this module's ancestors. */
function candidates(): string[] {
  const env = process.env.REPRONET_NATIVE_ADDON;
  if (env) return [resolve(env)];
  const out: string[] = [];
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    out.push(join(dir, ADDON));
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return out;
}

let cached: LoadResult | null = null;

export function loadAddon(): LoadResult {
  if (cached) return cached;
  const path = candidates().find((p) => existsSync(p));
  if (!path) {
    const where = process.env.REPRONET_NATIVE_ADDON || ADDON;
    cached = { addon: null, reason: `${where} not found (run \`npm run build:native\`)` };
    return cached;
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    cached = { addon, path };
  } catch (e) {
    cached = { addon: null, reason: `cannot load ${path}: ${(e as Error).message.split("\n")[0]}` };
  }
  return cached;
}
