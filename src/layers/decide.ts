/** `decide`: the best hypothesis of a beam; with teacher forcing the input is already a single sequence. */
import { z } from "zod";
import { registerLayer } from "./registry.js";

registerLayer("decide", {
  options: { length_normalization: z.boolean().optional() },
  forward(_ctx, inputs) {
    return inputs[0];
  },
});
