/**
 * Layer outputs: a tensor plus one dim tag per axis. Sequence lengths travel
 * with time dims, so every layer can mask what lies beyond a sequence's end.
 *
 * Dim tags are compared by identity for batch and time dims (the encoder's T and
 * the decoder's T are different objects even when their sizes agree) and by
 * size for static dims.
 */
import { less, reshape } from "../tensor/ops/index.js";
import { keep, Tensor } from "../tensor/tensor.js";

export type DimKind = "batch" | "time" | "static";

export interface Dim {
  readonly kind: DimKind;
  /** Current size of the axis (for time: the longest sequence in the batch). */
  readonly size: number;
  /** For time dims: the length of each batch entry's sequence. */
  readonly lengths?: Int32Array;
  /** Human-readable name for errors and logs ("B", "data:data:T", "F:32"). */
  readonly name: string;
  /**
   * True for the decoder-step axis a `rec` unit gets in training (teacher
   * forcing over the whole sequence): per-step layers treat it like another
   * batch axis; layers that look across steps use it as time.
   */
  readonly loop?: boolean;
}

export const batchDim = (size: number): Dim => ({ kind: "batch", size, name: "B" });
export const staticDim = (size: number, name = `F:${size}`): Dim => ({ kind: "static", size, name });
export function timeDim(lengths: Int32Array, name: string, loop = false): Dim {
  let max = 0;
  for (const l of lengths) max = Math.max(max, l);
  return { kind: "time", size: max, lengths, name, loop };
}

export class Data {
  private computed: Tensor | (() => Tensor);

  /**
   * `value` may be a function (from `deferInScope`) when `logits` are given: a
   * softmax output whose probabilities no consumer reads (the losses work on
   * the logits) is then never computed.
   */
  constructor(
    value: Tensor | (() => Tensor),
    readonly dims: readonly Dim[],
    /** Set for sparse (int32 label) data: the number of classes. */
    readonly sparseDim?: number,
    /** For softmax outputs: the logits, so losses can work in log space. */
    readonly logits?: Tensor,
  ) {
    const shaped = typeof value === "function" ? logits : value;
    if (shaped === undefined) throw new Error("a lazily computed data value needs its logits");
    if (shaped.rank !== dims.length || shaped.shape.some((d, i) => d !== dims[i].size)) {
      throw new Error(
        `data shape [${shaped.shape}] does not match dims (${dims.map((d) => d.name).join(", ")})`,
      );
    }
    this.computed = value;
  }

  /** The data's tensor (computed on first use when it was given as a function). */
  get value(): Tensor {
    if (typeof this.computed === "function") this.computed = this.computed();
    return this.computed;
  }

  get sparse(): boolean {
    return this.sparseDim !== undefined;
  }

  /** Tensors derived from a frozen value, by key (see `freeze`). */
  private memo?: Map<string, Tensor>;

  /**
   * Marks data whose value stays the same across many runs of the layers that
   * read it, without gradients (search's tiled encoder layers, read at every
   * decoder step): `derived` then computes each derived tensor once.
   */
  freeze(): void {
    this.memo ??= new Map();
  }

  get frozen(): boolean {
    return this.memo !== undefined;
  }

  /** `f()` — computed once per `key` and kept while the data is frozen, else every time. */
  derived(key: string, f: () => Tensor): Tensor {
    if (!this.memo) return f();
    let t = this.memo.get(key);
    if (!t) {
      t = keep(f());
      this.memo.set(key, t);
    }
    return t;
  }

  /** Frees the tensors `derived` kept. */
  disposeDerived(): void {
    for (const t of this.memo?.values() ?? []) t.dispose();
    this.memo?.clear();
  }

  /** The same dims and metadata with a new value of the same shape. */
  withValue(value: Tensor, dims: readonly Dim[] = this.dims): Data {
    return new Data(value, dims, value.dtype === "int32" ? this.sparseDim : undefined);
  }

  axisOf(dim: Dim): number {
    return this.dims.indexOf(dim);
  }

  get batchAxis(): number {
    return this.dims.findIndex((d) => d.kind === "batch");
  }

  /** The time axis in per-step meaning: the first time dim that is not a rec loop axis (-1 if none). */
  get timeAxis(): number {
    return this.dims.findIndex((d) => d.kind === "time" && !d.loop);
  }

  /** The rec loop axis in training (-1 outside a rec unit or in step-by-step search). */
  get loopAxis(): number {
    return this.dims.findIndex((d) => d.loop === true);
  }

  /** The feature axis: the last axis when it is static and the data is dense. */
  get featureAxis(): number {
    const last = this.dims.length - 1;
    return !this.sparse && last >= 0 && this.dims[last].kind === "static" ? last : -1;
  }

  get featureDim(): number {
    if (this.sparse) return this.sparseDim!;
    const f = this.featureAxis;
    if (f < 0) throw new Error(`data (${this.describe()}) has no feature axis`);
    return this.dims[f].size;
  }

  describe(): string {
    return `${this.dims.map((d) => `${d.name}=${d.size}`).join(", ")}${this.sparse ? `, sparse ${this.sparseDim}` : ""}`;
  }
}

/**
 * A float 0/1 mask that is 1 within each sequence, shaped to broadcast against
 * `data`: size B on the batch axis, T on `timeAxis`, 1 elsewhere.
 */
export function sequenceMask(data: Data, timeAxis: number): Tensor {
  const dim = data.dims[timeAxis];
  const b = data.batchAxis;
  if (!dim.lengths) throw new Error(`axis ${dim.name} has no sequence lengths`);
  const B = dim.lengths.length;
  const T = dim.size;
  const positions = new Tensor(
    [1, T],
    Float32Array.from({ length: T }, (_, t) => t),
  );
  const lengths = new Tensor([B, 1], Float32Array.from(dim.lengths));
  const mask2d = less(positions, lengths); // [B, T]
  const shape = data.dims.map((_, i) => (i === b ? B : i === timeAxis ? T : 1));
  if (b > timeAxis) throw new Error("internal: batch axis after time axis");
  return reshape(mask2d, shape);
}

/** True if two dims denote the same axis: identity for time, kind for batch, size for static. */
export const sameDim = (a: Dim, b: Dim): boolean =>
  a === b || (a.kind === b.kind && a.kind !== "time" && a.size === b.size);
