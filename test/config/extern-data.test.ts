import assert from "node:assert/strict";
import { test } from "node:test";
import { externDataFromNums, normalizeExternData } from "../../src/config/extern-data.js";
import { ReproError } from "../../src/util/errors.js";

const read = (raw: unknown) => Object.fromEntries(normalizeExternData(raw, "c"));
const fails = (raw: unknown, re: RegExp) =>
  assert.throws(
    () => normalizeExternData(raw, "c"),
    (e: unknown) => e instanceof ReproError && re.test(e.message),
  );

test("dense data by dim, by shape, or with sparse: False; any key names", () => {
  assert.deepEqual(
    read({ data: { dim: 40 }, delayed: { shape: [null, 8] }, bpe: { dim: 5, sparse: false } }),
    {
      bpe: { dim: 5, sparse: false },
      data: { dim: 40, sparse: false },
      delayed: { dim: 8, sparse: false },
    },
  );
});

test("the [dim, ndim] tuple form: ndim 1 is sparse, 2 is dense", () => {
  assert.deepEqual(read({ classes: [10, 1], data: [40, 2] }), {
    classes: { dim: 10, sparse: true },
    data: { dim: 40, sparse: false },
  });
});

test("an int dtype without sparse still means labels", () => {
  assert.deepEqual(read({ classes: { dim: 7, dtype: "int32" } }), { classes: { dim: 7, sparse: true } });
});

test("shapes beyond [None, dim] and mismatching dims are errors naming the key", () => {
  fails({ data: { shape: [null, 40, 2] } }, /extern_data "data": shape \[null,40,2\] is not supported yet/);
  fails({ data: { dim: 3, shape: [null, 4] } }, /does not end in dim 3/);
  fails({ data: [40, 3] }, /extern_data "data": \[40, 3\]: data with 2 spatial axes is not supported yet/);
  fails({ data: { dim: 3, sparce: true } }, /extern_data "data": unknown option "sparce"/);
});

test("num_outputs / num_inputs become extern_data as RETURNN reads them", () => {
  assert.deepEqual(externDataFromNums({ classes: 10, data: 3 }, undefined, undefined, "c"), {
    classes: { dim: 10, sparse: true },
    data: { dim: 3, shape: [null, 3] },
  });
  assert.deepEqual(externDataFromNums(10, 40, "orth", "c"), {
    data: { dim: 40, shape: [null, 40] },
    orth: { dim: 10, sparse: true },
  });
  assert.equal(externDataFromNums(undefined, undefined, undefined, "c"), null);
});
