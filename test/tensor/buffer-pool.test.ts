import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { allocPooled, clearBufferPool, pooledFreeBytes } from "../../src/tensor/buffer-pool.js";
import { empty, Tensor, tidy } from "../../src/tensor/tensor.js";

test("buffer pool: a disposed op output's memory is handed out again, viewed at the exact length", () => {
  clearBufferPool();
  const a = empty([100, 100]);
  const buffer = a.f32.buffer;
  a.dispose();
  assert.ok(pooledFreeBytes() >= 100 * 100 * 4);
  const b = empty([99, 101]); // same size class
  assert.equal(b.f32.buffer, buffer);
  assert.equal(b.size, 99 * 101);
  b.dispose();
  clearBufferPool();
  assert.equal(pooledFreeBytes(), 0);
});

test("buffer pool: memory is not reused while a view of it is alive", () => {
  clearBufferPool();
  const a = empty([64, 128]);
  const buffer = a.f32.buffer;
  const view = new Tensor([128, 64], a.data);
  a.dispose();
  const b = empty([64, 128]);
  assert.notEqual(b.f32.buffer, buffer);
  view.dispose();
  const c = empty([64, 128]);
  assert.equal(c.f32.buffer, buffer);
  b.dispose();
  c.dispose();
  clearBufferPool();
});

test("buffer pool: tidy returns op outputs to the pool, small arrays are plain allocations", () => {
  clearBufferPool();
  tidy(() => {
    empty([5000]);
  });
  assert.ok(pooledFreeBytes() >= 5000 * 4);
  const small = allocPooled(10);
  assert.equal(small.buffer.byteLength, 40);
  clearBufferPool();
});

/** In a fresh process (the flag is read at load): fill a pooled buffer with 7, free it, take it again. */
function reusedValues(poison: string | undefined): string {
  const script = `
    const { empty } = await import("./dist/src/tensor/tensor.js");
    const a = empty([64, 64]);
    a.f32.fill(7);
    const buffer = a.f32.buffer;
    a.dispose();
    const b = empty([64, 64]);
    if (b.f32.buffer !== buffer) throw new Error("not reused");
    console.log([...new Set(b.f32)].join(","));`;
  const env = { ...process.env };
  if (poison === undefined) delete env.REPRONET_POISON_POOL;
  else env.REPRONET_POISON_POOL = poison;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", env });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test("REPRONET_POISON_POOL=1 fills every reused buffer with NaN; without it the old values show", () => {
  assert.equal(reusedValues("1"), "NaN");
  assert.equal(reusedValues(undefined), "7");
});

test("an allocation beyond what the machine can hold is a one-line error naming its size and the options to limit", () => {
  assert.throws(
    () => allocPooled(2 ** 36),
    /^ReproError: cannot allocate 68719476736 float32 values \(274\.9 GB\): a batch or a sequence is too large \(limit batch_size, max_seqs or max_seq_length\)$/,
  );
});
