/**
 * `gather`: picks one entry along `axis` and removes that axis (RETURNN
 * GatherLayer). `position` is an integer (negative counts from the end) or the
 * name of a layer holding int32 indices per batch entry — its axes (batch, and
 * e.g. the rec loop axis) must all be axes of the input. Reference case: the
 * attention weights (B, [T_dec,] H, T_enc) with axis "dim:4" → (B, [T_dec,] T_enc).
 */
import { z } from "zod";
import { Data, type Dim } from "../network/data.js";
import { gather as gatherOp, reshape, slice } from "../tensor/ops/index.js";
import { Tensor } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { axisSpec, permuteIfNeeded, resolveAxis } from "./util/axes.js";

const options = {
  axis: axisSpec,
  position: z.union([z.number().int(), z.string()]),
};

/** The input axis each axis of the position data stands for (batch ↔ batch, others by identity). */
function matchAxes(path: string, x: Data, pos: Data, axis: number): number[] {
  return pos.dims.map((d: Dim) => {
    const a = d.kind === "batch" ? x.batchAxis : x.dims.indexOf(d);
    if (a < 0 || a === axis || x.dims[a].size !== d.size) {
      throw new ReproError(
        `${path}: position axis ${d.name} of (${pos.describe()}) is not an axis of the input (${x.describe()})`,
      );
    }
    return a;
  });
}

const gatherLayer: LayerDef<typeof options> = {
  options,
  refs: (opts) => (typeof opts.position === "string" ? [opts.position] : []),
  forward(ctx, inputs, opts) {
    if (inputs.length !== 1)
      throw new ReproError(`${ctx.path}: gather needs exactly 1 source, got ${inputs.length}`);
    const [x] = inputs;
    const axis = resolveAxis(x, opts.axis, `${ctx.path}: option "axis"`);
    const size = x.dims[axis].size;
    if (x.dims[axis].kind === "batch")
      throw new ReproError(`${ctx.path}: cannot gather along the batch axis`);
    const outDims = x.dims.filter((_, a) => a !== axis);
    const outShape = outDims.map((d) => d.size);
    if (typeof opts.position === "number") {
      const p = opts.position < 0 ? opts.position + size : opts.position;
      if (p < 0 || p >= size) {
        throw new ReproError(
          `${ctx.path}: position ${opts.position} is out of range for axis ${x.dims[axis].name} of size ${size}`,
        );
      }
      const begin = x.dims.map((_, a) => (a === axis ? p : 0));
      const sizes = x.dims.map((d, a) => (a === axis ? 1 : d.size));
      return new Data(reshape(slice(x.value, begin, sizes), outShape), outDims, x.sparseDim);
    }
    if (x.value.dtype !== "float32")
      throw new ReproError(`${ctx.path}: gather by a position layer needs float input`);
    const pos = ctx.layer(opts.position);
    if (pos.value.dtype !== "int32")
      throw new ReproError(`${ctx.path}: position layer "${opts.position}" must hold int32 indices`);
    const posAxes = matchAxes(ctx.path, x, pos, axis);
    // x → [P (the position's axes, in its order), A (gathered), rest...]; rows p·A + index[p].
    const rest = [...x.dims.keys()].filter((a) => a !== axis && !posAxes.includes(a));
    const P = pos.value.size;
    const inner = rest.reduce((n, a) => n * x.dims[a].size, 1);
    const flat = reshape(permuteIfNeeded(x.value, [...posAxes, axis, ...rest]), [P * size, inner]);
    const idx = pos.value.i32;
    const rows = new Int32Array(P);
    for (let i = 0; i < P; i++) {
      if (idx[i] < 0 || idx[i] >= size) {
        throw new ReproError(
          `${ctx.path}: position ${idx[i]} from "${opts.position}" is out of range for axis ${x.dims[axis].name} of size ${size}`,
        );
      }
      rows[i] = i * size + idx[i];
    }
    const picked = gatherOp(flat, new Tensor([P], rows), 0); // [P, inner]
    const order = [...posAxes, ...rest]; // original axis of each picked axis
    const shaped = reshape(
      picked,
      order.map((a) => x.dims[a].size),
    );
    // Back to the input's order without the gathered axis.
    const kept = [...x.dims.keys()].filter((a) => a !== axis);
    return new Data(
      permuteIfNeeded(
        shaped,
        kept.map((a) => order.indexOf(a)),
      ),
      outDims,
    );
  },
};

registerLayer("gather", gatherLayer);
