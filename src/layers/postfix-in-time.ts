/**
 * `postfix_in_time`: appends `repeat` frames of the constant `postfix` after
 * each sequence's end on the time axis (lengths + repeat), as RETURNN's
 * PostfixInTimeLayer (padding frames hold the postfix too). Supported here:
 * sparse (label) input [B, T] with a number postfix, as for appending EOS to
 * targets; dense input, a layer as postfix and `axis`/`out_dim` are errors.
 */
import { z } from "zod";
import { Data, timeDim } from "../network/data.js";
import { Tensor } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { onlySource } from "./util/sources.js";

const options = {
  postfix: z.number().optional(),
  repeat: z.number().int().nonnegative().optional(),
};

const postfixInTime: LayerDef<typeof options> = {
  options,
  forward(ctx, inputs, opts) {
    const where = ctx.path;
    const x = onlySource(inputs, where, "postfix_in_time");
    const time = x.dims[1];
    if (!x.sparse || x.dims.length !== 2 || x.dims[0].kind !== "batch" || time.kind !== "time")
      throw new ReproError(
        `${where}: postfix_in_time supports sparse [batch, time] input only (got ${x.describe()})`,
      );
    const postfix = opts.postfix ?? 0;
    if (!Number.isInteger(postfix))
      throw new ReproError(`${where}: option "postfix": sparse input needs an integer label, got ${postfix}`);
    const repeat = opts.repeat ?? 1;
    const [B, T] = x.value.shape;
    const oldLengths = time.lengths ?? new Int32Array(B).fill(T);
    const out = timeDim(
      oldLengths.map((l) => l + repeat),
      `${ctx.path}:T`,
    );
    const src = x.value.i32;
    const values = new Int32Array(B * out.size).fill(postfix);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < oldLengths[b]; t++) values[b * out.size + t] = src[b * T + t];
    return new Data(new Tensor([B, out.size], values), [x.dims[0], out], x.sparseDim);
  },
};

registerLayer("postfix_in_time", postfixInTime);
