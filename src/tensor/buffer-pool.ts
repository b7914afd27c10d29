/**
 * Recycled float32 buffers for op outputs (`empty`), so a training step does
 * not allocate (and the OS does not zero, and the GC does not sweep) a
 * gigabyte of fresh memory every step.
 *
 * A pooled buffer counts the live tensors over it (the tensor that `empty`
 * made and every view sharing its array, e.g. `reshape`). When the last of
 * them is disposed the buffer goes back to the pool, and a later `empty` may
 * hand it out again with its old contents (every op writes all of its
 * output). Hence the rule: a tensor's `data` array is only valid while that
 * tensor, or a view of it, is alive; copy what must outlive it.
 *
 * Sizes are rounded up to a few classes per power of two (a buffer of the
 * class is viewed at the exact length), so ragged batch shapes share buffers;
 * at most MAX_FREE_BYTES wait in the pool, the rest is left to the GC.
 * Only the pool's bookkeeping depends on allocation history, never a value.
 */

import { ReproError } from "../util/errors.js";

const MIN_POOLED = 4096; // elements; smaller arrays are cheap to allocate
/**
 * REPRONET_POISON_POOL=1 (set by `npm test`) fills every reused buffer with
 * NaN, so an op that reads its output before writing all of it fails loudly.
 */
const POISON = process.env.REPRONET_POISON_POOL === "1";
/** The most bytes of idle buffers the pool keeps (the memory estimate counts them). */
export const MAX_FREE_BYTES = 512 * 2 ** 20;

/** Live tensors per pooled view (0: free, waiting in `free`). */
const refs = new Map<Float32Array, number>();
/** Free views per size class, most recently freed last. */
const free = new Map<number, Float32Array[]>();
let freeBytes = 0;

/** The class of n: n rounded up to 2^e · {1, 1.25, 1.5, 1.75}. */
function sizeClass(n: number): number {
  const e = Math.max(0, Math.floor(Math.log2(n)) - 2);
  const step = 2 ** e;
  return Math.ceil(n / step) * step;
}

/** A new buffer, or a one-line error when the machine cannot hold it (a huge batch or sequence). */
function allocBuffer(bytes: number, n: number): ArrayBuffer {
  try {
    return new ArrayBuffer(bytes);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new ReproError(
      `cannot allocate ${n} float32 values (${(bytes / 1e9).toFixed(1)} GB): a batch or a sequence is too large (limit batch_size, max_seqs or max_seq_length)`,
    );
  }
}

/** A float32 array of length n; contents unspecified when it comes from the pool. */
export function allocPooled(n: number): Float32Array {
  if (n < MIN_POOLED) return new Float32Array(n);
  const cls = sizeClass(n);
  const view = free.get(cls)?.pop();
  let out: Float32Array;
  if (view !== undefined) {
    refs.delete(view);
    freeBytes -= view.buffer.byteLength;
    out = view.length === n ? view : new Float32Array(view.buffer, 0, n);
    if (POISON) out.fill(Number.NaN);
  } else {
    out = new Float32Array(allocBuffer(cls * 4, n), 0, n);
  }
  refs.set(out, 0);
  return out;
}

/** A tensor now wraps `data` (called by the Tensor constructor). */
export function retainBuffer(data: Float32Array): void {
  const r = refs.get(data);
  if (r === undefined) return;
  if (r === 0) unfree(data); // a free buffer wrapped again: it is in use once more
  refs.set(data, r + 1);
}

/** A tensor over `data` was disposed. */
export function releaseBuffer(data: Float32Array): void {
  const r = refs.get(data);
  if (r === undefined || r === 0) return;
  if (r > 1) {
    refs.set(data, r - 1);
    return;
  }
  const bytes = data.buffer.byteLength;
  if (freeBytes + bytes > MAX_FREE_BYTES) {
    refs.delete(data); // over the cap: the GC takes it
    return;
  }
  refs.set(data, 0);
  const cls = bytes / 4;
  let list = free.get(cls);
  if (list === undefined) {
    list = [];
    free.set(cls, list);
  }
  list.push(data);
  freeBytes += bytes;
}

function unfree(data: Float32Array): void {
  const list = free.get(data.buffer.byteLength / 4);
  const i = list ? list.lastIndexOf(data) : -1;
  if (i >= 0) {
    list!.splice(i, 1);
    freeBytes -= data.buffer.byteLength;
  }
}

/** Drops every free buffer (the GC reclaims them). */
export function clearBufferPool(): void {
  for (const list of free.values()) for (const v of list) refs.delete(v);
  free.clear();
  freeBytes = 0;
}

/** Bytes waiting in the pool (for tests and diagnostics). */
export const pooledFreeBytes = (): number => freeBytes;
