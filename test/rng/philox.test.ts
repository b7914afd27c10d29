import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { mulhi32, philox4x32, philoxBlock, philoxWords } from "../../src/rng/philox.js";

const hex = (s: string): number => Number.parseInt(s, 16);

test("philox4x32-10 matches every Random123 known-answer vector", () => {
  const lines = readFileSync("test/fixtures/philox4x32-10-kat.txt", "utf8").split("\n");
  let checked = 0;
  for (const line of lines) {
    const t = line.trim();
    if (t === "" || t.startsWith("#")) continue;
    const f = t.split(/\s+/);
    assert.equal(f.length, 12, `malformed KAT line: ${t}`);
    assert.equal(f[0], "philox4x32");
    assert.equal(f[1], "10");
    const ctr = Uint32Array.from(f.slice(2, 6), hex);
    const key = Uint32Array.from(f.slice(6, 8), hex);
    const out = new Uint32Array(4);
    philox4x32(ctr, key, out);
    assert.deepEqual(out, Uint32Array.from(f.slice(8, 12), hex), t);
    checked++;
  }
  assert.ok(checked >= 3, `only ${checked} vectors found`);
});

test("mulhi32 is the exact high word of the 64-bit product", () => {
  const values = [
    0, 1, 2, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0xd2511f53, 0xcd9e8d57,
  ];
  let x = 0x12345678;
  for (let i = 0; i < 200; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0; // an LCG, just to spread test values
    values.push(x);
  }
  for (const a of values) {
    for (const b of values) {
      const want = Number((BigInt(a) * BigInt(b)) >> 32n);
      assert.equal(mulhi32(a, b), want, `${a} * ${b}`);
    }
  }
});

test("philox4x32 output may alias the counter", () => {
  const key = Uint32Array.of(1, 2);
  const want = new Uint32Array(4);
  philox4x32(Uint32Array.of(3, 4, 5, 6), key, want);
  const ctr = Uint32Array.of(3, 4, 5, 6);
  philox4x32(ctr, key, ctr);
  assert.deepEqual(ctr, want);
});

function wordsOneByOne(first: number, count: number): Uint32Array {
  const out = new Uint32Array(count);
  const block = new Uint32Array(4);
  for (let i = 0; i < count; i++) {
    const w = first + i;
    const b = Math.floor(w / 4);
    philoxBlock(b % 2 ** 32, Math.floor(b / 2 ** 32), 7, 9, 0xdeadbeef, 0x01234567, block, 0);
    out[i] = block[w % 4];
  }
  return out;
}

test("philoxWords yields the same words for any start and length, aligned or not", () => {
  for (const [first, count] of [
    [0, 16],
    [1, 3],
    [2, 9],
    [3, 1],
    [5, 0],
    [7, 22],
  ]) {
    const out = new Uint32Array(count + 2);
    philoxWords(0xdeadbeef, 0x01234567, 7, 9, first, out, 1, count);
    assert.deepEqual(
      out.subarray(1, 1 + count),
      wordsOneByOne(first, count),
      `first=${first} count=${count}`,
    );
    assert.equal(out[0], 0);
    assert.equal(out[count + 1], 0);
  }
});

test("philoxWords carries the block index from counter word 0 into word 1 at 2^32", () => {
  const first = 4 * (2 ** 32 - 1) + 2; // lanes 2, 3 of block 2^32-1, then block 2^32
  const out = new Uint32Array(6);
  philoxWords(5, 6, 0, 0, first, out);
  const a = new Uint32Array(4);
  const b = new Uint32Array(4);
  philox4x32(Uint32Array.of(0xffffffff, 0, 0, 0), Uint32Array.of(5, 6), a);
  philox4x32(Uint32Array.of(0, 1, 0, 0), Uint32Array.of(5, 6), b);
  assert.deepEqual(out, Uint32Array.of(a[2], a[3], b[0], b[1], b[2], b[3]));
});

test("philoxWords rejects positions beyond 2^53 and ranges that do not fit", () => {
  assert.throws(() => philoxWords(0, 0, 0, 0, 2 ** 53, new Uint32Array(1)), RangeError);
  assert.throws(() => philoxWords(0, 0, 0, 0, -1, new Uint32Array(1)), RangeError);
  assert.throws(() => philoxWords(0, 0, 0, 0, 0, new Uint32Array(2), 1, 2), RangeError);
});
