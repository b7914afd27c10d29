import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  decodeSafetensors,
  encodeSafetensors,
  type NamedTensor,
  readSafetensors,
  writeSafetensors,
} from "../../src/io/safetensors.js";
import { writeFileAtomic } from "../../src/util/atomic.js";
import { ReproError } from "../../src/util/errors.js";

const dir = mkdtempSync(join(tmpdir(), "repronet-safetensors-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const SRC = "ckpt.safetensors";

/** A file built by hand: u64 LE length, the header text as given (no padding added), then the data. */
function rawFile(header: string, data: number[] = []): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Asserts a one-line ReproError naming the source and matching `what`. */
function assertRejects(bytes: Uint8Array, what: RegExp): void {
  assert.throws(
    () => decodeSafetensors(bytes, SRC),
    (e: unknown) => {
      assert.ok(e instanceof ReproError, `expected ReproError, got ${e}`);
      assert.ok(e.message.startsWith(`${SRC}: `), e.message);
      assert.ok(!e.message.includes("\n"), "message is one line");
      assert.match(e.message, what);
      return true;
    },
  );
}

const f32 = (name: string, shape: number[], values: number[]) =>
  [name, { dtype: "F32", shape, data: new Float32Array(values) }] as const;

const ALL_DTYPES: Record<string, NamedTensor> = {
  f64: { dtype: "F64", shape: [2], data: new Float64Array([Math.PI, -0]) },
  f32: { dtype: "F32", shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, Number.NaN]) },
  i64: { dtype: "I64", shape: [2], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]) },
  i32: { dtype: "I32", shape: [3], data: new Int32Array([-1, 0, 2 ** 31 - 1]) },
  u8: { dtype: "U8", shape: [1, 2], data: new Uint8Array([0, 255]) },
  bool: { dtype: "BOOL", shape: [3], data: new Uint8Array([1, 0, 1]) },
  scalar: { dtype: "F32", shape: [], data: new Float32Array([7]) },
  empty: { dtype: "F32", shape: [0, 4], data: new Float32Array(0) },
};

test("round trip keeps every supported dtype, shape and metadata", () => {
  const meta = { format: "pt", step: "100" };
  const { tensors, metadata } = decodeSafetensors(encodeSafetensors(ALL_DTYPES, meta));
  assert.deepEqual(metadata, meta);
  assert.deepEqual(Object.keys(tensors).sort(), Object.keys(ALL_DTYPES).sort());
  for (const [name, t] of Object.entries(ALL_DTYPES)) {
    assert.equal(tensors[name].dtype, t.dtype, name);
    assert.deepEqual(tensors[name].shape, t.shape, name);
    assert.equal(tensors[name].data.constructor, t.data.constructor, name);
    assert.deepEqual(tensors[name].data, t.data, name);
  }
  assert.ok(Object.is(tensors.f64.data[1], -0), "-0 survives");
});

test("encoding matches bytes built by hand from the spec", () => {
  const header = '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
  assert.equal(header.length, 85);
  const expected = new Uint8Array([
    ...[88, 0, 0, 0, 0, 0, 0, 0], // header length 88 = 85 bytes of JSON + 3 spaces, u64 LE
    ...new TextEncoder().encode(`${header}   `),
    ...[0x00, 0x00, 0x80, 0x3f], // 1.0f, little-endian
    ...[0x00, 0x00, 0x00, 0x40], // 2.0f
  ]);
  const got = encodeSafetensors(
    { w: { dtype: "F32", shape: [2], data: new Float32Array([1, 2]) } },
    { format: "pt" },
  );
  assert.deepEqual(got, expected);
});

test("encoding without metadata omits __metadata__", () => {
  const text = new TextDecoder().decode(encodeSafetensors(Object.fromEntries([f32("a", [1], [1])])));
  assert.ok(!text.includes("__metadata__"));
});

test("encoding is identical regardless of insertion order", () => {
  const a = encodeSafetensors(
    Object.fromEntries([f32("b", [1], [2]), f32("a", [2], [0, 1]), f32("10", [1], [3])]),
    {
      y: "1",
      x: "2",
    },
  );
  const b = encodeSafetensors(
    Object.fromEntries([f32("10", [1], [3]), f32("a", [2], [0, 1]), f32("b", [1], [2])]),
    {
      x: "2",
      y: "1",
    },
  );
  assert.deepEqual(a, b);
});

test("tensors are laid out in plain string order, even for numeric-looking names", () => {
  // JS objects list integer-like keys first ("2" before "10"); the format must not.
  const bytes = encodeSafetensors(
    Object.fromEntries([f32("2", [1], [2]), f32("10", [1], [10]), f32("a", [1], [0])]),
  );
  const text = new TextDecoder().decode(bytes);
  assert.ok(text.indexOf('"10"') < text.indexOf('"2"') && text.indexOf('"2"') < text.indexOf('"a"'));
  const { tensors } = decodeSafetensors(bytes);
  assert.deepEqual([...tensors["10"].data], [10]);
  assert.deepEqual([...tensors["2"].data], [2]);
});

test("header is space-padded so the data starts at a multiple of 8", () => {
  for (let len = 1; len <= 16; len++) {
    const bytes = encodeSafetensors(Object.fromEntries([f32("x".repeat(len), [1], [1])]));
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal((8 + n) % 8, 0, `name length ${len}`);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    assert.match(header, /^\{.*\} {0,7}$/);
  }
});

test("decoding copies data out of an unaligned buffer into fresh arrays", () => {
  const enc = encodeSafetensors({ d: { dtype: "F64", shape: [2], data: new Float64Array([1.5, -2.5]) } });
  const shifted = new Uint8Array(enc.length + 1);
  shifted.set(enc, 1);
  const input = shifted.subarray(1);
  const { tensors } = decodeSafetensors(input);
  assert.deepEqual([...tensors.d.data], [1.5, -2.5]);
  input.fill(0);
  assert.deepEqual([...tensors.d.data], [1.5, -2.5], "result does not alias the input");
});

test("decoding accepts an unpadded header written by another tool", () => {
  const bytes = rawFile('{"w":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}', [5, 0, 0, 0]);
  assert.deepEqual([...decodeSafetensors(bytes).tensors.w.data], [5]);
});

const ONE = (offs: string, dtype = "F32", shape = "[2]") =>
  `{"w":{"dtype":"${dtype}","shape":${shape},"data_offsets":${offs}}}`;

test("truncated data is rejected", () => {
  const good = encodeSafetensors(Object.fromEntries([f32("w", [4], [1, 2, 3, 4])]));
  assertRejects(good.subarray(0, good.length - 3), /truncated: header says 16 bytes of data, file has 13/);
});

test("truncated header is rejected", () => {
  const good = encodeSafetensors(Object.fromEntries([f32("w", [4], [1, 2, 3, 4])]));
  assertRejects(good.subarray(0, 20), /truncated: header says \d+ bytes of header, file has 12/);
  assertRejects(good.subarray(0, 5), /truncated: 5 bytes, too short/);
});

test("a header that is not JSON, not UTF-8 or not an object is rejected", () => {
  assertRejects(rawFile('{"w": {"dtype": "F32",'), /header is not valid UTF-8 JSON/);
  const badUtf8 = rawFile("{}  ");
  badUtf8[9] = 0xff;
  assertRejects(badUtf8, /not valid UTF-8 JSON/);
  assertRejects(rawFile("[1, 2]"), /header is not a JSON object/);
  assertRejects(rawFile('{"w": 3}'), /tensor "w": header entry is not an object/);
});

test("offsets out of range are rejected", () => {
  assertRejects(
    rawFile(ONE("[0,16]", "F32", "[4]"), new Array(8).fill(0)),
    /truncated: header says 16 bytes/,
  );
  assertRejects(rawFile(ONE("[8,0]"), new Array(8).fill(0)), /tensor "w": bad data_offsets \[8,0\]/);
  assertRejects(rawFile(ONE("[0,-8]"), new Array(8).fill(0)), /bad data_offsets/);
  assertRejects(rawFile(ONE("[0]"), new Array(8).fill(0)), /bad data_offsets/);
});

test("a size that does not match dtype and shape is rejected", () => {
  assertRejects(
    rawFile(ONE("[0,12]"), new Array(12).fill(0)),
    /tensor "w": size mismatch: F32 \[2\] needs 8 bytes/,
  );
});

test("a bad shape is rejected", () => {
  assertRejects(rawFile(ONE("[0,8]", "F32", "[-2]"), new Array(8).fill(0)), /tensor "w": bad shape/);
  assertRejects(rawFile(ONE("[0,8]", "F32", "[2.5]"), new Array(8).fill(0)), /bad shape/);
  assertRejects(rawFile(ONE("[0,8]", "F32", '"2"'), new Array(8).fill(0)), /bad shape/);
});

test("gaps, overlaps and trailing bytes in the data region are rejected", () => {
  const two = (a: string, b: string) =>
    `{"a":{"dtype":"F32","shape":[1],"data_offsets":${a}},"b":{"dtype":"F32","shape":[1],"data_offsets":${b}}}`;
  assertRejects(
    rawFile(two("[0,4]", "[8,12]"), new Array(12).fill(0)),
    /gap: bytes 4\.\.8 of data belong to no tensor/,
  );
  assertRejects(rawFile(two("[4,8]", "[8,12]"), new Array(12).fill(0)), /gap: bytes 0\.\.4/);
  assertRejects(rawFile(two("[0,4]", "[0,4]"), new Array(4).fill(0)), /overlaps another tensor/);
  assertRejects(rawFile(ONE("[0,8]"), new Array(10).fill(0)), /2 trailing bytes after the last tensor/);
});

test("unknown and unsupported dtypes are rejected", () => {
  assertRejects(
    rawFile(ONE("[0,8]", "f32"), new Array(8).fill(0)),
    /unknown dtype "f32" \(did you mean "F32"\?\)/,
  );
  assertRejects(rawFile(ONE("[0,8]", "Q7"), new Array(8).fill(0)), /tensor "w": unknown dtype "Q7"/);
  assertRejects(
    rawFile(ONE("[0,4]", "F16"), new Array(4).fill(0)),
    /dtype F16 is not supported \(supported: /,
  );
});

test("bad metadata and bad BOOL bytes are rejected", () => {
  assertRejects(rawFile('{"__metadata__":{"step":3}}'), /metadata "step" is not a string/);
  assertRejects(rawFile('{"__metadata__":[]}'), /__metadata__ is not an object/);
  assertRejects(rawFile(ONE("[0,2]", "BOOL"), [1, 2]), /BOOL data holds a byte other than 0 or 1/);
});

test("encoding rejects inconsistent tensors", () => {
  const bad = (t: unknown) => encodeSafetensors({ w: t as NamedTensor });
  assert.throws(
    () => bad({ dtype: "F32", shape: [2], data: new Int32Array(2) }),
    /dtype F32 needs a Float32Array/,
  );
  assert.throws(
    () => bad({ dtype: "F32", shape: [3], data: new Float32Array(2) }),
    /has 3 elements, data has 2/,
  );
  assert.throws(() => bad({ dtype: "F16", shape: [1], data: new Float32Array(1) }), /cannot write dtype F16/);
  assert.throws(
    () => bad({ dtype: "BOOL", shape: [1], data: new Uint8Array([2]) }),
    /BOOL data must be 0 or 1/,
  );
  assert.throws(
    () => encodeSafetensors({ __metadata__: { dtype: "F32", shape: [0], data: new Float32Array(0) } }),
    ReproError,
  );
});

test("write then read round-trips through a file", () => {
  const path = join(dir, "rt.safetensors");
  writeSafetensors(path, ALL_DTYPES, { a: "b" });
  const { tensors, metadata } = readSafetensors(path);
  assert.deepEqual(metadata, { a: "b" });
  for (const [name, t] of Object.entries(ALL_DTYPES)) {
    assert.deepEqual(tensors[name].data, t.data, name);
    // readFileSync returns a Buffer that may view a shared pool: each tensor gets its own buffer.
    assert.equal(tensors[name].data.buffer.byteLength, t.data.byteLength, name);
  }
});

test("write overwrites and leaves no temporary file behind", () => {
  const sub = mkdtempSync(join(dir, "w-"));
  const path = join(sub, "model.safetensors");
  writeSafetensors(path, Object.fromEntries([f32("a", [1], [1])]));
  writeSafetensors(path, Object.fromEntries([f32("b", [2], [2, 3])]));
  assert.deepEqual(readdirSync(sub), ["model.safetensors"]);
  assert.deepEqual(
    readFileSync(path),
    Buffer.from(encodeSafetensors(Object.fromEntries([f32("b", [2], [2, 3])]))),
  );
});

test("reading a missing file names the path", () => {
  const path = join(dir, "nope.safetensors");
  assert.throws(
    () => readSafetensors(path),
    (e: unknown) => e instanceof ReproError && e.message === `${path}: no such file`,
  );
});

test("a corrupt file on disk is reported with its path", () => {
  const path = join(dir, "short.safetensors");
  writeFileAtomic(path, encodeSafetensors(Object.fromEntries([f32("w", [2], [1, 2])])).subarray(0, 20));
  assert.throws(
    () => readSafetensors(path),
    (e: unknown) => e instanceof ReproError && e.message.startsWith(`${path}: truncated: header says`),
  );
});
