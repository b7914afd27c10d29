/**
 * `dropout`: a copy whose common `dropout` option (rate, `dropout_noise_shape`)
 * the runner applies to the input in training, like for every layer.
 */
import { copyForward } from "./copy.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";

const dropout: LayerDef<Record<never, never>> = {
  options: {},
  forward: copyForward,
};

registerLayer("dropout", dropout);
