/**
 * `get_last_hidden_state`: the final state of LSTM layers (after each
 * sequence's last valid step). `key` "*" (default) is [c; h] (2n), "c" or "h"
 * one part; several sources are concatenated (`combine: "concat"`, default) or
 * added. `n_out` must match, as RETURNN asserts.
 */
import { z } from "zod";
import { Data, staticDim } from "../network/data.js";
import * as ops from "../tensor/ops/index.js";
import { ReproError } from "../util/errors.js";
import { lastHiddenState } from "./lstm-unit.js";
import { registerLayer } from "./registry.js";

registerLayer("get_last_hidden_state", {
  options: {
    key: z.union([z.literal("*"), z.literal("c"), z.literal("h"), z.literal(0), z.literal(1)]).optional(),
    combine: z.enum(["concat", "add"]).optional(),
  },
  forward(ctx, inputs, opts) {
    const key = opts.key ?? "*";
    const parts = inputs.map((d, i) => {
      const state = lastHiddenState(d);
      if (!state)
        throw new ReproError(
          `${ctx.path}: source ${i} (${d.describe()}) is not an LSTM layer (rec or rnn_cell)`,
        );
      // LSTMStateTuple order (c, h): index 0 is c, 1 is h.
      if (key === "c" || key === 0) return state.c;
      if (key === "h" || key === 1) return state.h;
      return ops.concat([state.c, state.h], 1);
    });
    const value = opts.combine === "add" ? parts.reduce((a, b) => ops.add(a, b)) : ops.concat(parts, 1);
    const dim = value.shape[1];
    if (opts.n_out !== undefined && opts.n_out !== dim)
      throw new ReproError(`${ctx.path}: n_out ${opts.n_out} does not match the state size ${dim}`);
    return new Data(value, [inputs[0].dims[0], staticDim(dim)]);
  },
});
