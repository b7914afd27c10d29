import assert from "node:assert/strict";
import { totalmem } from "node:os";
import { test } from "node:test";
import { humanBytes, memoryLimit } from "../../src/util/memory.js";

test("REPRONET_MEMORY_LIMIT sets the memory limit in bytes and is named as its source", () => {
  assert.deepEqual(memoryLimit({ REPRONET_MEMORY_LIMIT: "8000000000" }), {
    bytes: 8e9,
    source: "REPRONET_MEMORY_LIMIT",
  });
});

test("a REPRONET_MEMORY_LIMIT that is not a number of bytes is an error naming it", () => {
  for (const bad of ["8GB", "-1", "0", "1e9", "x"])
    assert.throws(
      () => memoryLimit({ REPRONET_MEMORY_LIMIT: bad }),
      /^ReproError: REPRONET_MEMORY_LIMIT must be a positive number of bytes, got "/,
      bad,
    );
});

test("without REPRONET_MEMORY_LIMIT the limit is the machine's memory or a smaller cgroup limit", () => {
  const { bytes, source } = memoryLimit({});
  assert.ok(bytes > 0 && bytes <= totalmem());
  assert.ok(bytes === totalmem() ? source === "the machine's memory" : source === "the cgroup's limit");
});

test("memory sizes print in GB from 1 GB on, else in MB", () => {
  assert.equal(humanBytes(31.24e9), "31.2 GB");
  assert.equal(humanBytes(12.46e6), "12.5 MB");
});
