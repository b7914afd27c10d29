/**
 * `dot`: a batched tensor product of two sources (RETURNN DotLayer). `red1` /
 * `red2` name the reduced axes of source 0 / 1, `var1` / `var2` the axes each
 * keeps; every other axis is common and acts as a batch axis (batch with batch,
 * the rec loop axis with the loop axis — or broadcast when only one side has
 * it — and the rest matched in order, static ones by size, time ones by
 * identity). Output: [B, loop?, common..., var1..., var2...].
 *
 * Reference case (decoder cross-attention energy): key (B, T_enc, H, k) ·
 * query (B, [T_dec,] H, k), red -1/-1, var1 "T", var2 "T?" → (B, [T_dec,] H, T_enc).
 */
import { z } from "zod";
import { Data, type Dim, sameDim, staticDim } from "../network/data.js";
import { matmul, reshape, transpose } from "../tensor/ops/index.js";
import { ReproError } from "../util/errors.js";
import type { LayerDef, LoopMemo } from "./layer.js";
import { registerLayer } from "./registry.js";
import { axisSpec, permuteIfNeeded, resolveAxes, zeroPadding } from "./util/axes.js";

const prod = (xs: readonly number[]): number => xs.reduce((p, q) => p * q, 1);

/** Axis indices chosen for a dot product (see dotData). */
export interface DotAxes {
  red1: readonly number[];
  red2: readonly number[];
  var1: readonly number[];
  var2: readonly number[];
}

const names = (d: Data, axes: readonly number[]): string => axes.map((a) => d.dims[a].name).join(", ");

/** A source that is the same Data at every step of a rec loop (a `base:` layer), with the loop's memo. */
export interface LoopInvariantSource {
  readonly index: 0 | 1;
  readonly perLoop: LoopMemo;
  /** Names the copy in perLoop (the layer path). */
  readonly key: string;
}

/**
 * a · b contracted over red1/red2, keeping var1 of a and var2 of b, with the
 * remaining axes as common batch axes (see the file comment). Padded frames of
 * both sources (every time axis, loop axis included) are zeroed first.
 * `where_` starts error messages.
 */
export function dotData(
  where_: string,
  a: Data,
  b: Data,
  ax: DotAxes,
  invariant?: LoopInvariantSource,
): Data {
  for (const [d, i] of [
    [a, 0],
    [b, 1],
  ] as const) {
    if (d.sparse || d.value.dtype !== "float32")
      throw new ReproError(`${where_}: source ${i} must be dense float data`);
    if (d.batchAxis !== 0)
      throw new ReproError(`${where_}: source ${i} has no batch axis first (${d.describe()})`);
  }
  if (a.dims[0].size !== b.dims[0].size) {
    throw new ReproError(`${where_}: batch sizes differ (${a.describe()}) vs (${b.describe()})`);
  }
  const check = (d: Data, i: number, red: readonly number[], vars: readonly number[]) => {
    const used = [...red, ...vars];
    if (used.some((x) => x === d.batchAxis)) {
      throw new ReproError(
        `${where_}: the batch axis of source ${i} cannot be reduced or kept as var${i + 1}`,
      );
    }
    if (new Set(used).size !== used.length) {
      throw new ReproError(
        `${where_}: red${i + 1} and var${i + 1} name the same axis of source ${i} (${d.describe()})`,
      );
    }
  };
  check(a, 0, ax.red1, ax.var1);
  check(b, 1, ax.red2, ax.var2);
  if (
    ax.red1.length !== ax.red2.length ||
    ax.red1.some((x, i) => a.dims[x].size !== b.dims[ax.red2[i]].size)
  ) {
    throw new ReproError(
      `${where_}: reduced axes differ: red1 (${names(a, ax.red1)}) of (${a.describe()}) vs red2 (${names(b, ax.red2)}) of (${b.describe()})`,
    );
  }
  const loopA = a.loopAxis;
  const loopB = b.loopAxis;
  const rest = (d: Data, red: readonly number[], vars: readonly number[], loop: number) =>
    [...d.dims.keys()].filter(
      (x) => x !== d.batchAxis && x !== loop && !red.includes(x) && !vars.includes(x),
    );
  const rem1 = rest(a, ax.red1, ax.var1, loopA);
  const rem2 = rest(b, ax.red2, ax.var2, loopB);
  if (rem1.length !== rem2.length || rem1.some((x, i) => !sameDim(a.dims[x], b.dims[rem2[i]]))) {
    throw new ReproError(
      `${where_}: the axes left after red/var must match as common axes: (${names(a, rem1)}) of source 0 vs (${names(b, rem2)}) of source 1`,
    );
  }
  if (loopA >= 0 && loopB >= 0 && a.dims[loopA] !== b.dims[loopB]) {
    throw new ReproError(`${where_}: the sources have different rec loop axes`);
  }
  const loopDim: Dim | undefined = loopA >= 0 ? a.dims[loopA] : loopB >= 0 ? b.dims[loopB] : undefined;

  const B = a.dims[0].size;
  const L = loopDim?.size ?? 1;
  const size = (d: Data, axes: readonly number[]) => prod(axes.map((x) => d.dims[x].size));
  const R = size(a, rem1);
  const V1 = size(a, ax.var1);
  const V2 = size(b, ax.var2);
  const K = size(a, ax.red1);
  // Each side becomes [B, (L,) R, rows, K]; a loop axis only one side has is folded into its rows.
  const both = loopA >= 0 && loopB >= 0;
  const side = (
    index: 0 | 1,
    d: Data,
    loop: number,
    rem: readonly number[],
    vars: readonly number[],
    red: readonly number[],
  ) => {
    const lead = both ? [0, loop, ...rem] : loop >= 0 ? [0, ...rem, loop] : [0, ...rem];
    const perm = [...lead, ...vars, ...red];
    const rows = size(d, vars) * (!both && loop >= 0 ? L : 1);
    const shape = both ? [B, L, R, rows, K] : [B, R, rows, K];
    const key = `dot ${perm} ${shape}`;
    const copy = () => reshape(permuteIfNeeded(zeroPadding(d), perm), shape);
    // Search reads the same (frozen) encoder data at every step: masked and permuted once.
    if (d.frozen || invariant?.index !== index) return d.derived(key, copy);
    // So does a training loop (with gradients): once per loop, on the tape once.
    return invariant.perLoop.get(`${invariant.key} ${key}`, copy);
  };
  const A = side(0, a, loopA, rem1, ax.var1, ax.red1);
  const Bm = side(1, b, loopB, rem2, ax.var2, ax.red2);
  let out = matmul(A, Bm, { transB: true });
  // Bring the loop axis to position 1: out is [B, R, V1, V2] with L folded into V1 or V2.
  if (!both && loopA >= 0) out = transpose(reshape(out, [B, R, L, V1, V2]), [0, 2, 1, 3, 4]);
  if (!both && loopB >= 0) out = transpose(reshape(out, [B, R, V1, L, V2]), [0, 3, 1, 2, 4]);
  const dims: Dim[] = [
    a.dims[0],
    ...(loopDim ? [loopDim] : []),
    ...rem1.map((x) => a.dims[x]),
    ...ax.var1.map((x) => a.dims[x]),
    ...ax.var2.map((x) => b.dims[x]),
  ];
  return new Data(
    reshape(
      out,
      dims.map((d) => d.size),
    ),
    dims,
  );
}

const options = {
  red1: axisSpec.default(-1),
  red2: axisSpec.default(-2),
  var1: axisSpec.default(-2),
  var2: axisSpec.default(-1),
  /** RETURNN's old default appended a size-1 axis when var2 is empty; ours does so only on request. */
  add_var2_if_empty: z.boolean().default(false),
};

const dot: LayerDef<typeof options> = {
  options,
  forward(ctx, inputs, opts) {
    if (inputs.length !== 2)
      throw new ReproError(`${ctx.path}: dot needs exactly 2 sources, got ${inputs.length}`);
    const [a, b] = inputs;
    const opt = (name: string) => `${ctx.path}: option "${name}"`;
    const axes: DotAxes = {
      red1: resolveAxes(a, opts.red1, opt("red1")),
      red2: resolveAxes(b, opts.red2, opt("red2")),
      var1: resolveAxes(a, opts.var1, opt("var1")),
      var2: resolveAxes(b, opts.var2, opt("var2")),
    };
    const out = dotData(ctx.path, a, b, axes);
    if (!opts.add_var2_if_empty || axes.var2.length > 0) return out;
    const dims = [...out.dims, staticDim(1)];
    return new Data(
      reshape(
        out.value,
        dims.map((d) => d.size),
      ),
      dims,
    );
  },
};

registerLayer("dot", dot);
