/**
 * `expand_dims`: a new static axis of size `dim` (default 1, values repeated),
 * as RETURNN ExpandDimsLayer: `axis` "F"/"feature" puts it after the feature
 * axis (at the end if there is none), "spatial"/"time"/"T" before the feature
 * axis of dense data (at the end of sparse data), an integer at that position
 * (batch axis included).
 */
import { z } from "zod";
import { Data, staticDim } from "../network/data.js";
import { broadcastTo, expandDims } from "../tensor/ops/index.js";
import { ReproError } from "../util/errors.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { onlySource } from "./util/sources.js";

const options = {
  axis: z.union([z.string(), z.number().int()]),
  dim: z.number().int().positive().optional(),
};

const expandDimsLayer: LayerDef<typeof options> = {
  options,
  forward(ctx, inputs, opts) {
    const where = ctx.path;
    const x = onlySource(inputs, where, "expand_dims");
    const rank = x.dims.length;
    let at: number;
    if (typeof opts.axis === "number") {
      at = opts.axis < 0 ? opts.axis + rank + 1 : opts.axis;
      if (at < 0 || at > rank)
        throw new ReproError(`${where}: axis ${opts.axis} out of range for rank ${rank}`);
    } else {
      const name = opts.axis.toLowerCase();
      if (name === "f" || name === "feature") {
        if (x.sparse) throw new ReproError(`${where}: axis "${opts.axis}" on sparse data`);
        at = x.featureAxis < 0 ? rank : x.featureAxis + 1;
      } else if (name === "spatial" || name === "time" || name === "t") {
        at = x.sparse ? rank : rank - 1;
      } else {
        throw new ReproError(
          `${where}: option "axis" must be "F", "spatial", "T" or an integer, got "${opts.axis}"`,
        );
      }
    }
    const size = opts.dim ?? 1;
    if (size > 1 && x.value.dtype !== "float32") {
      throw new ReproError(`${where}: dim > 1 on int32 data is not supported`);
    }
    let value = expandDims(x.value, at);
    if (size > 1)
      value = broadcastTo(value, [...x.value.shape.slice(0, at), size, ...x.value.shape.slice(at)]);
    return new Data(value, [...x.dims.slice(0, at), staticDim(size), ...x.dims.slice(at)], x.sparseDim);
  },
};

registerLayer("expand_dims", expandDimsLayer);
