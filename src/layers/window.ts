/**
 * `window`: a sliding window over one axis (default "T"), the new window axis
 * right after it, as RETURNN WindowLayer: `window_size`, `window_left` /
 * `window_right` ("same": right = size//2 unless given, left = size − right − 1),
 * `padding` "same" (zeros at the edges) or "valid", `stride`. Lengths: L
 * ("same") or L − size + 1 ("valid"), then ⌈·/stride⌉. Frames beyond a
 * sequence's end are zeroed first, so each sequence sees zero padding exactly
 * as it would alone. Not available inside a rec loop.
 */
import { z } from "zod";
import { Data, type Dim, staticDim, timeDim } from "../network/data.js";
import { ReproError } from "../util/errors.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { axisSpec, resolveAxis, zeroPadding } from "./util/axes.js";
import { onlySource } from "./util/sources.js";
import { slidingWindows, type WindowSpec, windowCount } from "./util/windows.js";

const options = {
  window_size: z.number().int().positive(),
  window_left: z.number().int().nonnegative().nullable().optional(),
  window_right: z.number().int().nonnegative().nullable().optional(),
  axis: axisSpec.optional(),
  padding: z
    .preprocess((v) => (typeof v === "string" ? v.toLowerCase() : v), z.enum(["same", "valid"]))
    .optional(),
  stride: z.number().int().positive().optional(),
};

type Opts = z.infer<z.ZodObject<typeof options>>;

/** Left/right context as windowed_nd resolves it. */
function windowSpec(opts: Opts, where: string): WindowSpec {
  const size = opts.window_size;
  const stride = opts.stride ?? 1;
  if ((opts.padding ?? "same") === "valid") {
    if (opts.window_left != null || opts.window_right != null) {
      throw new ReproError(`${where}: window_left/window_right need padding "same"`);
    }
    return { size, stride, dilation: 1, padLeft: 0, padRight: 0 };
  }
  const right =
    opts.window_right ?? (opts.window_left != null ? size - opts.window_left - 1 : Math.floor(size / 2));
  const left = opts.window_left ?? size - right - 1;
  if (left < 0 || right < 0 || left + right + 1 !== size) {
    throw new ReproError(`${where}: window_size ${size} ≠ window_left ${left} + window_right ${right} + 1`);
  }
  return { size, stride, dilation: 1, padLeft: left, padRight: right };
}

const window: LayerDef<typeof options> = {
  options,
  forward(ctx, inputs, opts) {
    const where = ctx.path;
    const x = onlySource(inputs, where, "window");
    if (x.loopAxis >= 0) throw new ReproError(`${where}: window inside a rec loop is not supported`);
    const axis = resolveAxis(x, opts.axis ?? "T", `${where}: option "axis"`);
    const dim = x.dims[axis];
    const spec = windowSpec(opts, where);
    const count = windowCount(dim.size, spec);
    if (count <= 0)
      throw new ReproError(`${where}: axis ${dim.name} of length ${dim.size} is shorter than the window`);
    const value = slidingWindows(zeroPadding(x), axis, spec);
    const valid = opts.padding === "valid";
    const outDim: Dim = dim.lengths
      ? timeDim(
          dim.lengths.map((l) => Math.ceil(Math.max(0, valid ? l - spec.size + 1 : l) / spec.stride)),
          `${where}:${dim.name}`,
        )
      : staticDim(count);
    const dims = [...x.dims.slice(0, axis), outDim, staticDim(spec.size), ...x.dims.slice(axis + 1)];
    return new Data(value, dims, x.sparseDim);
  },
};

registerLayer("window", window);
