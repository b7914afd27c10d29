/** The data package: importing it registers every dataset class. */
import "./synthetic.js";
import "./parallel-text.js";
import "./audio/ogg-zip.js";

export * from "./batching.js";
export * from "./dataset.js";
export * from "./synthetic.js";
