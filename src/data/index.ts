/** The data package: importing it registers every dataset class. */
import "./synthetic.js";
import "./parallel-text.js";
import "./hdf.js";
import "./audio/ogg-zip.js";

export * from "./batching.js";
export * from "./dataset.js";
export { HdfDataset, prepareHdf } from "./hdf.js";
export * from "./random-task.js";
export * from "./synthetic.js";
