/**
 * Pretrain copy_param_mode "subset": RETURNN's block mapping and block copy,
 * checked against the cases of RETURNN's own tests (tests/test_TFUtil.py
 * test_transform_param_axes_split_info_to_new_shape, test_copy_with_new_split_axes).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { copyWithNewSplitAxes, splitForShape } from "../../src/train/split-axes.js";

test("splitForShape maps blocks onto another shape as RETURNN's transform_param_axes_split_info_to_new_shape", () => {
  const cases: [number[][], number[], number[][]][] = [
    [
      [[7], [7, 7, 7, 7]],
      [14, 56],
      [[14], [14, 14, 14, 14]],
    ],
    [
      [
        [3, 7],
        [7, 7, 7, 7],
      ],
      [17, 56],
      [
        [3, 14],
        [14, 14, 14, 14],
      ],
    ],
    [
      [
        [3, 7],
        [7, 7, 7, 7],
      ],
      [15, 56],
      [
        [1, 14],
        [14, 14, 14, 14],
      ],
    ],
    [
      [
        [7, 7],
        [7, 7, 7, 7],
      ],
      [17, 56],
      [
        [3, 14],
        [14, 14, 14, 14],
      ],
    ],
    [
      [
        [7, 7],
        [7, 7, 7, 7],
      ],
      [28, 56],
      [
        [14, 14],
        [14, 14, 14, 14],
      ],
    ],
    [
      [[7], [7, 7, 7, 7]],
      [7, 56],
      [[7], [14, 14, 14, 14]],
    ],
    [
      [[1000, 621, 1280], [1000]],
      [2645, 1000],
      [[1000, 621, 1024], [1000]],
    ],
    [
      [[512, 128, 32], [544]],
      [512, 544],
      [[512, 0, 0], [544]],
    ],
  ];
  for (const [split, shape, expected] of cases) assert.deepEqual(splitForShape(split, shape, "p"), expected);
});

test("copyWithNewSplitAxes puts each old block at the front of the same new block (RETURNN's test case)", () => {
  const oldValues = Float32Array.from({ length: 8 * 20 }, (_, i) => i); // [3 + 5, 5 · 4]
  const newValues = new Float32Array(12 * 28).fill(-1); // [5 + 7, 7 · 4]
  copyWithNewSplitAxes(
    [
      [3, 5],
      [5, 5, 5, 5],
    ],
    [
      [5, 7],
      [7, 7, 7, 7],
    ],
    oldValues,
    newValues,
  );
  const oldAt = (r: number, c: number) => oldValues[r * 20 + c];
  const newAt = (r: number, c: number) => newValues[r * 28 + c];
  for (let p = 0; p < 4; p++)
    for (let c = 0; c < 5; c++) {
      for (let r = 0; r < 3; r++) assert.equal(newAt(r, p * 7 + c), oldAt(r, p * 5 + c));
      for (let r = 0; r < 5; r++) assert.equal(newAt(5 + r, p * 7 + c), oldAt(3 + r, p * 5 + c));
      assert.equal(newAt(3, p * 7 + c), -1, "the rest of a block keeps its new value");
    }
  for (let r = 0; r < 12; r++) assert.equal(newAt(r, 6), -1, "columns 5, 6 of each gate block are new");
  const copied = newValues.filter((v) => v !== -1).length;
  assert.equal(copied, 8 * 20, "every old value lands exactly once");
});
