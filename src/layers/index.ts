/** Registers every layer class. Import this module once before building a network. */
import "./linear.js";
import "./softmax.js";
import "./copy.js";
import "./dropout.js";
import "./activation.js";
import "./layer-norm.js";
import "./combine.js";
import "./eval.js";
import "./compare.js";
import "./constant.js";
import "./positional-encoding.js";
import "./self-attention.js";
import "./split-dims.js";
import "./merge-dims.js";
import "./dot.js";
import "./softmax-over-spatial.js";
import "./generic-attention.js";
import "./gather.js";
import "./reduce.js";
import "./rec.js";
import "./choice.js";
import "./decide.js";
import "./rnn-cell.js";
import "./get-last-hidden-state.js";

export { layerClass, layerClassNames } from "./registry.js";
