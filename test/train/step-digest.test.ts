/** The per-step digests: exact bits, names and order count; the kernel set and thread count do not. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { kernels, setKernels } from "../../src/kernels/active.js";
import { jsKernels } from "../../src/kernels/js/index.js";
import { nativeKernels } from "../../src/kernels/native/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { digestBatch, digestNamed, Hash64 } from "../../src/train/step-digest.js";

const t = (...xs: number[]) => new Tensor([xs.length], Float32Array.from(xs));

test("a digest is 16 hex digits and sees the raw bits: +0 and -0 differ", () => {
  const d = digestNamed(["w"], [t(0)]);
  assert.match(d, /^[0-9a-f]{16}$/);
  assert.notEqual(digestNamed(["w"], [t(-0)]), d);
  assert.equal(digestNamed(["w"], [t(0)]), d);
});

test("names, order and where the words are split all count", () => {
  const d = digestNamed(["a", "b"], [t(1), t(2)]);
  assert.notEqual(digestNamed(["a", "c"], [t(1), t(2)]), d);
  assert.notEqual(digestNamed(["a", "b"], [t(2), t(1)]), d);
  assert.notEqual(digestNamed(["a", "b"], [t(1, 2), null]), d);
  assert.notEqual(new Hash64().text("ab").text("c").hex(), new Hash64().text("a").text("bc").hex());
});

test("a batch digest covers every data key's lengths and values", () => {
  const batch = (v: number, len: number) => ({
    data: { data: { value: new Tensor([1, 2], Int32Array.of(v, 1)), lengths: Int32Array.of(len) } },
  });
  const d = digestBatch(batch(3, 2));
  assert.notEqual(digestBatch(batch(4, 2)), d);
  assert.notEqual(digestBatch(batch(3, 1)), d);
});

test("the same digest with the JS and the native kernels at any thread count", () => {
  const big = new Float32Array(200_000).map((_, i) => Math.sin(i));
  const digest = () => digestNamed(["w"], [new Tensor([big.length], big)]);
  const before = kernels();
  const nk = nativeKernels();
  const threads = nk?.threads() ?? 1;
  try {
    setKernels(jsKernels);
    const want = digest();
    if (!nk) return; // no addon: nothing to compare with
    setKernels(nk);
    for (const n of [1, 3]) {
      nk.setThreads(n);
      assert.equal(digest(), want, `threads ${n}`);
    }
  } finally {
    nk?.setThreads(threads);
    setKernels(before);
  }
});
