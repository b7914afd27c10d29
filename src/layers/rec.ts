/**
 * `rec`: with a dict `unit`, a subnetwork run over decoder steps (the runner
 * executes it: src/network/rec.ts, src/network/search.ts); with a string
 * `unit`, an LSTM over the time axis of its input (src/layers/lstm-unit.ts).
 */
import { z } from "zod";
import type { Data } from "../network/data.js";
import type { LayerContext } from "./layer.js";
import {
  type LstmCell,
  type LstmHalf,
  type LstmUnitOptions,
  lstmCellOf,
  lstmHalf,
  lstmOptions,
  lstmUnitForward,
} from "./lstm-unit.js";
import { registerLayer } from "./registry.js";

registerLayer("rec", {
  options: {
    unit: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    max_seq_len: z.union([z.string(), z.number()]).optional(),
    include_eos: z.boolean().optional(),
    /** RETURNN 2018: in search, decode for the reference length; no effect in training (search rejects true). */
    cheating: z.boolean().optional(),
    /** The data key whose time axis sets the number of decoder steps in training (RETURNN's LayerBase option). */
    size_target: z.string().optional(),
    /** RETURNN: unroll the TF while loop, an implementation detail with no effect on results (accepted, ignored). */
    unroll: z.boolean().optional(),
    ...lstmOptions,
  },
  allowNoSources: true,
  forward(ctx, inputs, opts) {
    return lstmUnitForward(ctx, inputs, opts, unitCell(ctx, inputs, opts));
  },
});

type RecOptions = LstmUnitOptions & { unit?: string | Record<string, unknown> };

function unitCell(ctx: LayerContext, inputs: readonly Data[], opts: RecOptions): LstmCell {
  if (typeof opts.unit === "object")
    throw new Error(`internal: ${ctx.path}: rec layers with a subnetwork are run by the network runner`);
  if (inputs.length === 0) throw new Error(`${ctx.path}: an LSTM unit needs at least one source in "from"`);
  // RETURNN's default unit is "lstm" (NativeLstm2).
  return lstmCellOf(opts.unit ?? "lstm", ctx.path, false);
}

/** A `rec` LSTM layer over whole sequences up to its kernel, to run paired with another (lstmPairOutputs). */
export const recLstmHalf = (ctx: LayerContext, inputs: readonly Data[], opts: RecOptions): LstmHalf =>
  lstmHalf(ctx, inputs, opts, unitCell(ctx, inputs, opts));
