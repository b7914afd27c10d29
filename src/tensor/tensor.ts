/**
 * Tensors: contiguous, row-major float32 or int32 arrays with a shape.
 *
 * Lifetimes are explicit so long training loops stay flat: every tensor is
 * registered with the innermost `tidy` scope and disposed when it ends unless it
 * is returned or `keep`-ed. `liveTensorCount()` is what tests watch. Views
 * (reshape, stopGradient) share the buffer; disposing a tensor only drops its
 * reference, so a view never frees memory another tensor still uses.
 *
 * Op outputs (`empty`) come from a buffer pool (./buffer-pool.ts) and return
 * to it when the last tensor over them is disposed: a tensor's `data` array is
 * valid only while that tensor or a view of it is alive.
 */
import { allocPooled, releaseBuffer, retainBuffer } from "./buffer-pool.js";
import { meterRelease, meterRetain } from "./meter.js";
import type { GradNode } from "./tape.js";

export type DType = "float32" | "int32";
export type Shape = readonly number[];
export type TypedData = Float32Array | Int32Array;

let nextId = 0;
let live = 0;
const scopes: Tensor[][] = [];

export class Tensor {
  readonly id = nextId++;
  /** Set by the tape when this tensor is differentiable in the running `valueAndGrads`. */
  node: GradNode | null = null;
  /** Kept tensors (parameters, optimizer state) outlive every scope. */
  kept = false;
  private buf: TypedData | null;

  constructor(
    readonly shape: Shape,
    data: TypedData,
  ) {
    if (data.length !== sizeOf(shape)) {
      throw new Error(`tensor data has ${data.length} elements, shape [${shape}] needs ${sizeOf(shape)}`);
    }
    this.buf = data;
    if (data instanceof Float32Array) retainBuffer(data);
    meterRetain(data);
    live++;
    scopes[scopes.length - 1]?.push(this);
  }

  get dtype(): DType {
    return this.data instanceof Int32Array ? "int32" : "float32";
  }
  get data(): TypedData {
    if (this.buf === null) throw new Error(`tensor #${this.id} [${this.shape}] used after dispose`);
    return this.buf;
  }
  /** The data as float32; throws for int32 tensors (ops that need floats call this). */
  get f32(): Float32Array {
    const d = this.data;
    if (!(d instanceof Float32Array)) throw new Error(`tensor #${this.id} is int32, float32 expected`);
    return d;
  }
  get i32(): Int32Array {
    const d = this.data;
    if (!(d instanceof Int32Array)) throw new Error(`tensor #${this.id} is float32, int32 expected`);
    return d;
  }
  get size(): number {
    return this.data.length;
  }
  get rank(): number {
    return this.shape.length;
  }
  get isDisposed(): boolean {
    return this.buf === null;
  }
  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item() on tensor of shape [${this.shape}]`);
    return this.data[0];
  }
  toArray(): number[] {
    return Array.from(this.data);
  }
  dispose(): void {
    if (this.buf === null) return;
    if (this.buf instanceof Float32Array) releaseBuffer(this.buf);
    meterRelease(this.buf);
    this.buf = null;
    this.node = null;
    live--;
  }
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`invalid shape [${shape}]`);
    n *= d;
  }
  return n;
}

export function tensor(data: ArrayLike<number> | TypedData, shape?: Shape, dtype: DType = "float32"): Tensor {
  const buf =
    data instanceof Float32Array || data instanceof Int32Array
      ? data
      : dtype === "int32"
        ? Int32Array.from(data)
        : Float32Array.from(data);
  return new Tensor(shape ?? [buf.length], buf);
}
export const scalar = (v: number): Tensor => new Tensor([], Float32Array.of(v));
export const zeros = (shape: Shape): Tensor => new Tensor(shape, new Float32Array(sizeOf(shape)));
export const full = (shape: Shape, v: number): Tensor =>
  new Tensor(shape, new Float32Array(sizeOf(shape)).fill(v));
export const ones = (shape: Shape): Tensor => full(shape, 1);
/** A tensor whose every element the caller writes: float32 contents are unspecified (pooled memory). */
export const empty = (shape: Shape, dtype: DType = "float32"): Tensor =>
  new Tensor(shape, dtype === "int32" ? new Int32Array(sizeOf(shape)) : allocPooled(sizeOf(shape)));

/**
 * A zero-filled op output or gradient from the buffer pool: zeroing reused
 * memory is cheaper than the page faults of fresh memory (`zeros`, for
 * tensors that live long, allocates).
 */
export function zeroed(shape: Shape): Tensor {
  const t = empty(shape);
  t.f32.fill(0);
  return t;
}

/** Number of tensors created and not yet disposed (the memory-growth probe). */
export const liveTensorCount = (): number => live;

/** Scopes whose tidy has returned: a deferred computation can no longer add to them. */
const closedScopes = new WeakSet<Tensor[]>();

/**
 * `fn`, to be run later (at most once, by the caller's choice) as if it had run
 * now: the tensors it creates belong to the scope active now, so a lazily
 * computed value lives exactly as long as an eager one would. Calling it after
 * that scope has ended is an error (its tensors would have no owner).
 */
export function deferInScope(fn: () => Tensor): () => Tensor {
  const scope = scopes[scopes.length - 1];
  return () => {
    if (scope === undefined) return fn();
    if (closedScopes.has(scope))
      throw new Error("a deferred tensor was requested after its tidy scope ended");
    scopes.push(scope);
    try {
      return fn();
    } finally {
      scopes.pop();
    }
  };
}

/** Marks tensors as persistent: no scope disposes them. */
export function keep<T extends Tensor>(t: T): T {
  t.kept = true;
  return t;
}

/** Tensors reachable in a tidy result: a tensor, or arrays/objects holding tensors. */
function collectTensors(value: unknown, into: Set<Tensor>): void {
  if (value instanceof Tensor) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, into);
  else if (value instanceof Map) for (const v of value.values()) collectTensors(v, into);
  else if (value !== null && typeof value === "object")
    for (const v of Object.values(value)) collectTensors(v, into);
}

/** The tensors reachable in `value` (a tensor, or arrays, maps and objects holding tensors). */
export function tensorsIn(value: unknown): Tensor[] {
  const found = new Set<Tensor>();
  collectTensors(value, found);
  return [...found];
}

/**
 * Runs `fn`, then disposes every tensor it created except those in its result
 * (which move to the enclosing scope) and kept ones. Synchronous by design.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Tensor[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    closedScopes.add(scope);
    for (const t of scope) if (!t.kept) t.dispose();
    throw e;
  }
  scopes.pop();
  closedScopes.add(scope);
  const survivors = new Set<Tensor>();
  collectTensors(result, survivors);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (t.kept) continue;
    if (survivors.has(t)) parent?.push(t);
    else t.dispose();
  }
  return result;
}
