/** The differentiable op set. Composite ops are built from these and need no gradient code. */

export { broadcastShapes, unbroadcast } from "./broadcast.js";
export * from "./ctc.js";
export * from "./elementwise.js";
export * from "./fused.js";
export * from "./lstm.js";
export * from "./matmul.js";
export * from "./nn.js";
export * from "./reduce.js";
export * from "./shape.js";
