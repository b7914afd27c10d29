/**
 * Counts the bytes of tensor data alive while a function runs, after each
 * new buffer, and their peak: what the activation-memory estimate
 * (src/train/memory.ts) measures on tiny dry runs. Off (one null check per
 * tensor) unless `tensorBytesTrace` runs.
 *
 * A buffer counts once however many tensors view it (reshape, stopGradient),
 * from the first tensor over it to the last one disposed, by its view's exact
 * length: the buffer pool's rounding to size classes (at most 1.25×) is left
 * to the estimate. Buffers that existed before (the parameters, passed as
 * `existing`) never count; other older buffers viewed during the run count
 * (an over-estimate). Scratch arrays inside kernels are not tensors and are
 * not seen.
 */
import type { TypedData } from "./tensor.js";

interface Meter {
  /** Live tensors per counted buffer. */
  readonly tensors: Map<ArrayBufferLike, number>;
  readonly bytesOf: Map<ArrayBufferLike, number>;
  readonly existing: ReadonlySet<ArrayBufferLike>;
  bytes: number;
  /** The live bytes after each new buffer, in order. */
  readonly trace: number[];
}

let meter: Meter | null = null;

/** A tensor now wraps `data` (called by the Tensor constructor). */
export function meterRetain(data: TypedData): void {
  const m = meter;
  if (m === null) return;
  const buf = data.buffer;
  if (m.existing.has(buf)) return;
  const n = m.tensors.get(buf);
  if (n !== undefined) {
    m.tensors.set(buf, n + 1);
    return;
  }
  m.tensors.set(buf, 1);
  m.bytesOf.set(buf, data.byteLength);
  m.bytes += data.byteLength;
  m.trace.push(m.bytes);
}

/** A tensor over `data` was disposed. */
export function meterRelease(data: TypedData): void {
  const m = meter;
  if (m === null) return;
  const buf = data.buffer;
  const n = m.tensors.get(buf);
  if (n === undefined) return; // older than the measurement
  if (n > 1) {
    m.tensors.set(buf, n - 1);
    return;
  }
  m.tensors.delete(buf);
  m.bytes -= m.bytesOf.get(buf)!;
  m.bytesOf.delete(buf);
}

/**
 * Runs `fn` and returns the bytes of tensor data alive during it that it
 * created (buffers of `existing` tensors, e.g. the parameters, excluded):
 * after each new buffer, in order. The peak is their maximum. Not reentrant.
 */
export function tensorBytesTrace(
  fn: () => void,
  existing: Iterable<{ readonly data: TypedData }> = [],
): number[] {
  if (meter !== null) throw new Error("tensorBytesTrace is not reentrant");
  const m: Meter = {
    tensors: new Map(),
    bytesOf: new Map(),
    existing: new Set([...existing].map((t) => t.data.buffer)),
    bytes: 0,
    trace: [],
  };
  meter = m;
  try {
    fn();
  } finally {
    meter = null;
  }
  return m.trace;
}

/** The peak of `tensorBytesTrace`. */
export const peakTensorBytes = (
  fn: () => void,
  existing: Iterable<{ readonly data: TypedData }> = [],
): number => tensorBytesTrace(fn, existing).reduce((a, b) => Math.max(a, b), 0);
