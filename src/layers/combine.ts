/**
 * `combine`: element-wise add, sub, mul, average or an `eval` expression over
 * the sources. Sources with different dims broadcast after aligning their dims
 * (src/layers/util/align.ts); the result has the dims of the largest source.
 */
import { z } from "zod";
import { Data } from "../network/data.js";
import * as ops from "../tensor/ops/index.js";
import { didYouMean, ReproError } from "../util/errors.js";
import { activationOption, applyActivation, checkActivation } from "./activation.js";
import { evalForward } from "./eval.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { alignAll } from "./util/align.js";

const KINDS = ["add", "average", "eval", "mul", "sub"];

const combineOptions = {
  kind: z.string(),
  eval: z.string().optional(),
  activation: activationOption,
};

const combine: LayerDef<typeof combineOptions> = {
  options: combineOptions,
  forward(ctx, inputs, opts) {
    const where = ctx.path;
    const kind = opts.kind;
    if (!KINDS.includes(kind)) {
      throw new ReproError(
        `${where}: unknown combine kind "${kind}"${didYouMean(kind, KINDS)} (known: ${KINDS.join(", ")})`,
      );
    }
    if ((kind === "eval") !== (opts.eval !== undefined)) {
      throw new ReproError(
        `${where}: option "eval" ${kind === "eval" ? "is required for" : "is only valid with"} kind "eval"`,
      );
    }
    checkActivation(opts.activation, where);
    let out: Data;
    if (kind === "eval") out = evalForward(ctx, inputs, opts.eval!, opts.out_type);
    else {
      for (const d of inputs) {
        if (d.sparse) throw new ReproError(`${where}: combine "${kind}" of sparse data (${d.describe()})`);
      }
      if (kind === "sub" && inputs.length !== 2) {
        throw new ReproError(`${where}: combine "sub" needs exactly 2 sources, got ${inputs.length}`);
      }
      const { dims, values } = alignAll(inputs, where);
      const op = kind === "mul" ? ops.mul : kind === "sub" ? ops.sub : ops.add;
      let y = values[0];
      for (let i = 1; i < values.length; i++) y = op(y, values[i]);
      if (kind === "average" && values.length > 1) y = ops.mul(y, 1 / values.length);
      if (y.rank !== dims.length)
        y = ops.broadcastTo(
          y,
          dims.map((d) => d.size),
        );
      out = new Data(y, dims);
    }
    if (opts.activation === null || opts.activation === undefined) return out;
    return new Data(applyActivation(opts.activation, out, where), out.dims);
  },
};

registerLayer("combine", combine);
