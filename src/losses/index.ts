/** Registers every loss class. */
import "./ce.js";
import "./as-is.js";
import "./mse.js";
import "./edit-distance.js";
import "./ctc.js";

export { checkLossOptions, type LossDef, type LossResult, lossClass } from "./loss.js";
