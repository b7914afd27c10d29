/**
 * What `conv` and `pool` share: RETURNN's [B, spatial…, F] input convention
 * (with `input_add_feature_dim` / `input_split_feature_dim`), the per-axis
 * padding/stride/dilation options, and the patches they slide over.
 *
 * Deliberate difference from RETURNN (use_time_mask=False): frames beyond a
 * sequence's end are zeroed before windowing, so garbage in padding can never
 * reach a valid frame. Where the input's padding is already zero (features
 * from a dataset) the results are RETURNN's.
 */
import { z } from "zod";
import { Data, type Dim, staticDim, timeDim } from "../../network/data.js";
import { gather, pad, reshape } from "../../tensor/ops/index.js";
import { Tensor } from "../../tensor/tensor.js";
import { ReproError } from "../../util/errors.js";
import { zeroPadding } from "./axes.js";
import { outLength, type Padding, tfWindowSpec, windowCount } from "./windows.js";

const positiveInts = z.array(z.number().int().positive()).min(1);
/** An int for every spatial axis, or one list with one entry per axis. */
export const perAxisOption = z.union([z.number().int().positive(), positiveInts]);
/** "same" / "valid" in any case (RETURNN upper-cases it), or a number of frames on both sides. */
export const paddingOption = z.preprocess(
  (v) => (typeof v === "string" ? v.toLowerCase() : v),
  z.union([z.enum(["same", "valid"]), z.number().int().nonnegative()]),
);
export const sizeOption = positiveInts;

export interface SpatialInput {
  /** [B, S1 … Sn, C], padded frames zeroed. */
  readonly value: Tensor;
  readonly dims: readonly Dim[];
}

/**
 * The source as [B, spatial…, C]: `addFeatureDim` appends a feature axis of
 * size 1 (the old one becomes the last spatial axis); `splitFeatureDim` n
 * splits F into (F/n spatial, n feature), row-major.
 */
export function spatialInput(
  x: Data,
  nSpatial: number,
  opts: { addFeatureDim?: boolean; splitFeatureDim?: number | null },
  where: string,
): SpatialInput {
  if (x.sparse) throw new ReproError(`${where}: needs dense input, got sparse data (${x.describe()})`);
  if (x.loopAxis >= 0) throw new ReproError(`${where}: cannot run inside a rec unit's loop`);
  if (x.batchAxis !== 0 || x.featureAxis !== x.dims.length - 1) {
    throw new ReproError(`${where}: expects input [B, spatial…, F], got (${x.describe()})`);
  }
  let value = zeroPadding(x);
  let dims: Dim[] = [...x.dims];
  if (opts.addFeatureDim) {
    dims = [...dims, staticDim(1)];
  } else if (opts.splitFeatureDim) {
    const n = opts.splitFeatureDim;
    const f = dims[dims.length - 1].size;
    if (f % n !== 0) {
      throw new ReproError(`${where}: input_split_feature_dim ${n} does not divide the feature dim ${f}`);
    }
    dims = [...dims.slice(0, -1), staticDim(f / n), staticDim(n)];
  }
  if (dims.length !== nSpatial + 2) {
    throw new ReproError(
      `${where}: ${nSpatial} spatial axes expected (from the filter/pool size), input has ${dims.length - 2}: (${dims.map((d) => d.name).join(", ")})`,
    );
  }
  if (dims.length !== x.dims.length)
    value = reshape(
      value,
      dims.map((d) => d.size),
    );
  return { value, dims };
}

/** One value per spatial axis from an int-or-list option. */
export function perAxis(
  v: number | readonly number[] | undefined,
  n: number,
  name: string,
  where: string,
): number[] {
  if (v === undefined) return new Array<number>(n).fill(1);
  if (typeof v === "number") return new Array<number>(n).fill(v);
  if (v.length !== n) throw new ReproError(`${where}: option "${name}" needs ${n} entries, got [${v}]`);
  return [...v];
}

export interface SlideSpec {
  readonly sizes: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly padding: Padding;
}

export interface Patches {
  /** [B, O1 … On, k1 … kn, C]. */
  readonly value: Tensor;
  /** Output dims [B, O1 … On] (time axes with per-sequence lengths), without the channel axis. */
  readonly dims: readonly Dim[];
}

/**
 * Every window of the spatial input in one gather: the input padded on all
 * spatial axes at once (TF alignment), its spatial axes flattened, then one
 * index table [O1 … On, k1 … kn] picks the frames, so the patches come out
 * in matmul order without a transpose.
 */
export function patches(input: SpatialInput, spec: SlideSpec, padValue: number, where: string): Patches {
  const n = spec.sizes.length;
  const outDims: Dim[] = [input.dims[0]];
  const windows = spec.sizes.map((k, i) => {
    const dim = input.dims[1 + i];
    const [s, d] = [spec.strides[i], spec.dilations[i]];
    const w = tfWindowSpec(dim.size, k, spec.padding, s, d);
    const count = windowCount(dim.size, w);
    if (count <= 0) {
      throw new ReproError(
        `${where}: axis ${dim.name} of length ${dim.size} is shorter than the window (size ${k}, dilation ${d})`,
      );
    }
    if (dim.lengths) {
      const lengths = dim.lengths.map((l) => outLength(l, k, spec.padding, s, d));
      outDims.push(timeDim(lengths, `${where}:${dim.name}`));
    } else outDims.push(staticDim(count));
    return { ...w, count };
  });
  const x = input.value;
  const padded = windows.some((w) => w.padLeft > 0 || w.padRight > 0)
    ? pad(x, [[0, 0], ...windows.map((w) => [w.padLeft, w.padRight] as const), [0, 0]], padValue)
    : x;
  const sizes = padded.shape.slice(1, 1 + n);
  const [batch, channels] = [x.shape[0], x.shape[n + 1]];
  const flat = reshape(padded, [batch, sizes.reduce((a, b) => a * b, 1), channels]);
  // Row-major strides of the flattened padded grid, then the table of flat frame indices.
  const strides = sizes.map((_, i) => sizes.slice(i + 1).reduce((a, b) => a * b, 1));
  const tableShape = [...windows.map((w) => w.count), ...spec.sizes];
  const idx = new Int32Array(tableShape.reduce((a, b) => a * b, 1));
  const pos = new Array<number>(2 * n).fill(0);
  for (let e = 0; e < idx.length; e++) {
    let frame = 0;
    for (let i = 0; i < n; i++)
      frame += (pos[i] * windows[i].stride + pos[n + i] * windows[i].dilation) * strides[i];
    idx[e] = frame;
    for (let a = 2 * n - 1; a >= 0 && ++pos[a] === tableShape[a]; a--) pos[a] = 0;
  }
  return { value: gather(flat, new Tensor(tableShape, idx), 1), dims: outDims };
}

export const withChannels = (y: Tensor, dims: readonly Dim[], channels: number): Data =>
  new Data(y, [...dims, staticDim(channels)]);
