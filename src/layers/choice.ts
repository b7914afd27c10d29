/**
 * `choice`: the label at each decoder step. In training and evaluation it is
 * the target (teacher forcing); beam search picks it from `from` (the search
 * issue).
 */
import { z } from "zod";
import { registerLayer } from "./registry.js";

registerLayer("choice", {
  options: {
    beam_size: z.number().int().positive(),
    initial_output: z.union([z.number().int(), z.string()]).optional(),
    length_normalization: z.boolean().optional(),
    input_type: z.enum(["prob", "log_prob"]).optional(),
    /** Search only: keep the reference in the last beam slot (RETURNN's `cheating`; "exclusive": and only there). */
    cheating: z.union([z.boolean(), z.literal("exclusive")]).optional(),
  },
  refs: (opts) => (opts.target ? [`data:${opts.target}`] : []),
  forward(ctx, _inputs, opts) {
    if (!opts.target) throw new Error('choice needs a "target"');
    return ctx.layer(`data:${opts.target}`);
  },
});
