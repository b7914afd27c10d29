/** `rec`: a unit subnetwork run over decoder steps; the runner executes it (src/network/rec.ts). */
import { z } from "zod";
import { registerLayer } from "./registry.js";

registerLayer("rec", {
  options: {
    unit: z.record(z.string(), z.unknown()),
    max_seq_len: z.union([z.string(), z.number()]).optional(),
    include_eos: z.boolean().optional(),
  },
  allowNoSources: true,
  forward(ctx) {
    throw new Error(`internal: ${ctx.path}: rec layers are run by the network runner`);
  },
});
