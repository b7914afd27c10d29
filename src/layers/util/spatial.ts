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
import { reshape } from "../../tensor/ops/index.js";
import type { Tensor } from "../../tensor/tensor.js";
import { ReproError } from "../../util/errors.js";
import { permuteIfNeeded, zeroPadding } from "./axes.js";
import { outLength, type Padding, slidingWindows, tfWindowSpec, windowCount } from "./windows.js";

const positiveInts = z.array(z.number().int().positive()).min(1);
/** An int for every spatial axis, or one list with one entry per axis. */
export const perAxisOption = z.union([z.number().int().positive(), positiveInts]);
export const paddingOption = z.union([z.enum(["same", "valid"]), z.number().int().nonnegative()]);
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

/** Every window of the spatial input: one window view per spatial axis, then the window axes moved last but C. */
export function patches(input: SpatialInput, spec: SlideSpec, padValue: number, where: string): Patches {
  const n = spec.sizes.length;
  let value = input.value;
  const outDims: Dim[] = [input.dims[0]];
  for (let i = 0; i < n; i++) {
    const dim = input.dims[1 + i];
    const [k, s, d] = [spec.sizes[i], spec.strides[i], spec.dilations[i]];
    const w = tfWindowSpec(dim.size, k, spec.padding, s, d);
    const count = windowCount(dim.size, w);
    if (count <= 0) {
      throw new ReproError(
        `${where}: axis ${dim.name} of length ${dim.size} is shorter than the window (size ${k}, dilation ${d})`,
      );
    }
    value = slidingWindows(value, 1 + 2 * i, w, padValue);
    if (dim.lengths) {
      const lengths = dim.lengths.map((l) => outLength(l, k, spec.padding, s, d));
      outDims.push(timeDim(lengths, `${where}:${dim.name}`));
    } else outDims.push(staticDim(count));
  }
  // [B, O1, k1, …, On, kn, C] → [B, O1 … On, k1 … kn, C]
  const perm = [0, ...spec.sizes.map((_, i) => 1 + 2 * i), ...spec.sizes.map((_, i) => 2 + 2 * i), 2 * n + 1];
  return { value: permuteIfNeeded(value, perm), dims: outDims };
}

export const withChannels = (y: Tensor, dims: readonly Dim[], channels: number): Data =>
  new Data(y, [...dims, staticDim(channels)]);
