/**
 * `switch` (RETURNN SwitchLayer): element-wise `condition ? true_from :
 * false_from`, dims aligned by tag and broadcast; `condition` is a layer (a 0/1
 * mask, e.g. from `compare`) or a constant bool, the branches layers or numbers.
 * Gradients flow only into the selected branch.
 */
import { z } from "zod";
import { Data } from "../network/data.js";
import * as ops from "../tensor/ops/index.js";
import { scalar } from "../tensor/tensor.js";
import type { LayerContext } from "./layer.js";
import { registerLayer } from "./registry.js";
import { alignAll, type Tagged } from "./util/align.js";

const branch = z.union([z.string(), z.number()]);

function operand(ctx: LayerContext, v: string | number | boolean): Tagged {
  if (typeof v === "string") return ctx.layer(v);
  return { value: scalar(Number(v)), dims: [] };
}

registerLayer("switch", {
  options: {
    condition: z.union([z.string(), z.boolean()]),
    true_from: branch,
    false_from: branch,
  },
  allowNoSources: true,
  refs: (o) => [o.condition, o.true_from, o.false_from].filter((v): v is string => typeof v === "string"),
  forward(ctx, _inputs, opts) {
    if (typeof opts.condition === "boolean") {
      const chosen = operand(ctx, opts.condition ? opts.true_from : opts.false_from);
      return chosen instanceof Data ? chosen : new Data(chosen.value, chosen.dims);
    }
    const parts = [opts.condition, opts.true_from, opts.false_from].map((v) => operand(ctx, v));
    const { dims, values } = alignAll(parts, ctx.path);
    const [cond, a, b] = values;
    const shape = dims.map((d) => d.size);
    return new Data(ops.broadcastTo(ops.where(cond, a, b), shape), dims);
  },
});
