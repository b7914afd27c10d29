/** `constant`: a scalar (dims [], no batch axis) holding `value`; takes no sources. */
import { z } from "zod";
import { Data } from "../network/data.js";
import { scalar } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";

const constantOptions = { value: z.union([z.number(), z.boolean()]).optional() };

const constant: LayerDef<typeof constantOptions> = {
  options: constantOptions,
  allowNoSources: true,
  forward(ctx, inputs, opts) {
    if (inputs.length > 0)
      throw new ReproError(`${ctx.path}: constant takes no sources, got ${inputs.length}`);
    const v = opts.value ?? 0;
    return new Data(scalar(typeof v === "boolean" ? Number(v) : v), []);
  },
};

registerLayer("constant", constant);
