/**
 * `compare`: element-wise comparison, float 0/1 output. With `value`,
 * source(0) is compared with it; else source(0) with source(1) (dims aligned).
 * Sparse (int32 label) sources are compared by value. No gradient flows.
 */
import { z } from "zod";
import { Data } from "../network/data.js";
import * as ops from "../tensor/ops/index.js";
import type { Tensor } from "../tensor/tensor.js";
import { didYouMean, ReproError } from "../util/errors.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { alignAll } from "./util/align.js";

type Cmp = (a: Tensor | number, b: Tensor | number) => Tensor;

const KINDS: ReadonlyMap<string, Cmp> = new Map([
  ["equal", ops.equal],
  ["not_equal", ops.notEqual],
  ["less", ops.less],
  ["less_equal", ops.lessEqual],
  ["greater", ops.greater],
  ["greater_equal", ops.greaterEqual],
]);

const compareOptions = {
  kind: z.string().optional(),
  value: z.number().optional(),
};

const asFloat = (t: Tensor): Tensor => (t.dtype === "int32" ? ops.cast(t, "float32") : t);

const compare: LayerDef<typeof compareOptions> = {
  options: compareOptions,
  forward(ctx, inputs, opts) {
    const where = ctx.path;
    const kind = opts.kind ?? "equal";
    const f = KINDS.get(kind);
    if (!f) {
      const names = [...KINDS.keys()];
      throw new ReproError(
        `${where}: unknown compare kind "${kind}"${didYouMean(kind, names)} (known: ${names.join(", ")})`,
      );
    }
    const want = opts.value === undefined ? 2 : 1;
    if (inputs.length !== want) {
      throw new ReproError(
        `${where}: compare ${opts.value === undefined ? "without" : "with"} "value" needs ${want} source${want === 1 ? "" : "s"}, got ${inputs.length}`,
      );
    }
    if (opts.value !== undefined) return new Data(f(asFloat(inputs[0].value), opts.value), inputs[0].dims);
    const { dims, values } = alignAll(
      inputs.map((d) => ({ value: asFloat(d.value), dims: d.dims })),
      where,
    );
    const y = f(values[0], values[1]);
    return new Data(
      y.rank === dims.length
        ? y
        : ops.broadcastTo(
            y,
            dims.map((d) => d.size),
          ),
      dims,
    );
  },
};

registerLayer("compare", compare);
