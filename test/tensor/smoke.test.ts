import { test } from "node:test";
import * as ops from "../../src/tensor/ops/index.js";
import { gradCheck, randTensor } from "../helpers/gradcheck.js";

test("smoke: composite expression gradient", () => {
  const a = randTensor([3, 4], 1);
  const b = randTensor([4, 2], 2);
  const gamma = randTensor([2], 3);
  const beta = randTensor([2], 4);
  gradCheck(
    (x, y, g, bb) => ops.layerNorm(ops.tanh(ops.matmul(x, y)), g, bb),
    [a, b, gamma, beta],
  );
  gradCheck((x) => ops.softmax(x, 0), [randTensor([3, 5], 5)]);
  gradCheck((x) => ops.logSumExp(x, [0, 1]), [randTensor([3, 5], 6)]);
});
