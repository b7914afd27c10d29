import assert from "node:assert/strict";
import { test } from "node:test";
import { KEYED_SEEDING } from "../../src/network/param-seeding.js";
import { ParamStore } from "../../src/network/params.js";

const zeros = (_: unknown, shape: readonly number[]) => new Float32Array(shape.reduce((a, b) => a * b, 1));

test("a parameter beyond the memory limit is refused before it is allocated, naming it", () => {
  const store = new ParamStore(1, KEYED_SEEDING, 4 * 4 * 100); // room for 100 float32 with gradient and Adam moments
  store.get("a/W", [10, 9], zeros);
  assert.throws(
    () => store.get("b/W", [1e8, 32], zeros),
    /^ReproError: parameter b\/W \[100000000,32\] would bring the parameters to 12\.8 GB, 51\.2 GB with gradients and Adam moments: more than the 0\.0 GB of memory$/,
  );
  assert.throws(() => store.get("c/b", [11], zeros), /parameter c\/b \[11\]/);
  assert.equal(store.has("b/W"), false);
  store.get("c/b", [10], zeros);
});
