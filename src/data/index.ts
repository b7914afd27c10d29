/** The data package: importing it registers every dataset class. */
import "./synthetic.js";
import "./parallel-text.js";

export * from "./batching.js";
export * from "./dataset.js";
export * from "./random-task.js";
export * from "./synthetic.js";
