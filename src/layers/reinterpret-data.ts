/**
 * `reinterpret_data` (RETURNN ReinterpretDataLayer): the same values with other
 * metadata, never a cast. Supported: `set_sparse` (true: sparse with
 * `set_sparse_dim` or the feature dim; false: dense), `set_sparse_dim`,
 * `increase_sparse_dim`, `size_base` (take another layer's time dim, i.e. its
 * sequence lengths), `enforce_batch_major` (our data is always batch-major: a
 * no-op). `set_axes` and `enforce_time_major` are not supported (an error).
 */
import { z } from "zod";
import { Data } from "../network/data.js";
import * as ops from "../tensor/ops/index.js";
import { ReproError } from "../util/errors.js";
import { registerLayer } from "./registry.js";

registerLayer("reinterpret_data", {
  options: {
    set_sparse: z.boolean().optional(),
    set_sparse_dim: z.number().int().positive().optional(),
    increase_sparse_dim: z.number().int().optional(),
    size_base: z.string().optional(),
    enforce_batch_major: z.boolean().optional(),
    set_axes: z.record(z.string(), z.unknown()).optional(),
    enforce_time_major: z.boolean().optional(),
  },
  refs: (o) => (o.size_base ? [o.size_base] : []),
  forward(ctx, inputs, opts) {
    if (opts.set_axes !== undefined)
      throw new ReproError(`${ctx.path}: option "set_axes" of reinterpret_data is not supported yet`);
    if (opts.enforce_time_major)
      throw new ReproError(`${ctx.path}: enforce_time_major is not supported (data is batch-major)`);
    if (inputs.length !== 1) throw new ReproError(`${ctx.path}: reinterpret_data needs exactly one source`);
    const x = inputs[0];
    let dims = x.dims;
    if (opts.size_base) {
      const base = ctx.layer(opts.size_base);
      const t = x.timeAxis;
      const bt = base.timeAxis;
      if (t < 0 || bt < 0) throw new ReproError(`${ctx.path}: size_base needs a time axis on both layers`);
      if (base.dims[bt].size !== x.dims[t].size)
        throw new ReproError(
          `${ctx.path}: size_base "${opts.size_base}" has time size ${base.dims[bt].size}, the source ${x.dims[t].size}`,
        );
      dims = dims.map((d, i) => (i === t ? base.dims[bt] : d));
    }
    let sparseDim = x.sparseDim;
    let value = x.value;
    if (opts.set_sparse === true && !x.sparse) {
      if (opts.set_sparse_dim === undefined)
        throw new ReproError(`${ctx.path}: set_sparse needs set_sparse_dim (the number of classes)`);
      sparseDim = opts.set_sparse_dim;
      value = ops.cast(value, "int32");
    } else if (opts.set_sparse === false && x.sparse) {
      sparseDim = undefined;
      value = ops.cast(value, "float32");
    } else if (opts.set_sparse_dim !== undefined) {
      if (!x.sparse)
        throw new ReproError(`${ctx.path}: set_sparse_dim needs sparse data (or set_sparse: true)`);
      sparseDim = opts.set_sparse_dim;
    }
    if (opts.increase_sparse_dim !== undefined) {
      if (sparseDim === undefined) throw new ReproError(`${ctx.path}: increase_sparse_dim needs sparse data`);
      sparseDim += opts.increase_sparse_dim;
    }
    return new Data(value, dims, sparseDim);
  },
});
