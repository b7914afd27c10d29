/**
 * `rnn_cell`: one RNN cell step inside a rec unit (or over a time axis outside
 * one). LSTM cells only (StandardLSTM; see src/layers/lstm-unit.ts); weights
 * use `weights_init` (default xavier = Glorot uniform, as RETURNN).
 */
import { z } from "zod";
import { lstmCellOf, lstmOptions, lstmUnitForward } from "./lstm-unit.js";
import { registerLayer } from "./registry.js";

registerLayer("rnn_cell", {
  options: {
    unit: z.string(),
    unit_opts: lstmOptions.unit_opts,
    weights_init: lstmOptions.weights_init,
    initial_state: lstmOptions.initial_state,
  },
  forward(ctx, inputs, opts) {
    return lstmUnitForward(ctx, inputs, opts, lstmCellOf(opts.unit, ctx.path, true));
  },
});
