import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { fingerprintParams, formatParamDigest, formatShape, type ParamLike } from "../../src/rundir/index.js";
import { ReproError } from "../../src/util/errors.js";

const p = (shape: number[], values: number[]): ParamLike => ({ shape, data: new Float32Array(values) });

const MODEL: [string, ParamLike][] = [
  ["enc/W", p([2, 3], [1, 2, 3, 4, 5, 6])],
  ["enc/b", p([3], [0.5, -0.5, 0])],
  ["out/scale", p([], [2])],
];

test("digest does not depend on input order", () => {
  const a = fingerprintParams(MODEL);
  const b = fingerprintParams([...MODEL].reverse());
  assert.deepEqual(a, b);
  assert.deepEqual(
    a.perParam.map((x) => x.name),
    ["enc/W", "enc/b", "out/scale"],
  );
});

test("a single flipped bit changes the digest and that parameter's digest only", () => {
  const flipped = MODEL.map(([n, q]): [string, ParamLike] => [n, { shape: q.shape, data: q.data.slice() }]);
  new Uint8Array(flipped[1][1].data.buffer)[5] ^= 0x01;
  const a = fingerprintParams(MODEL);
  const b = fingerprintParams(flipped);
  assert.notEqual(a.digest, b.digest);
  assert.deepEqual(
    a.perParam.map((x, i) => x.digest === b.perParam[i].digest),
    [true, false, true],
  );
});

test("+0 and -0 hash differently", () => {
  assert.notEqual(
    fingerprintParams([["x", p([1], [0])]]).digest,
    fingerprintParams([["x", p([1], [-0])]]).digest,
  );
});

test("a renamed parameter changes the digest", () => {
  const renamed: [string, ParamLike][] = [["enc/w", MODEL[0][1]], MODEL[1], MODEL[2]];
  assert.notEqual(fingerprintParams(MODEL).digest, fingerprintParams(renamed).digest);
});

test("a different shape with the same data changes the digest", () => {
  const data = [1, 2, 3, 4, 5, 6];
  const a = fingerprintParams([["W", p([2, 3], data)]]);
  const b = fingerprintParams([["W", p([3, 2], data)]]);
  const c = fingerprintParams([["W", p([6], data)]]);
  assert.equal(new Set([a.digest, b.digest, c.digest]).size, 3);
});

test("name and shape boundaries cannot be shifted into each other", () => {
  // "a1" + shape [] vs "a" + shape [1]: same bytes without the 0x00 separators.
  const a = fingerprintParams([["a1", p([], [5])]]);
  const b = fingerprintParams([["a", p([1], [5])]]);
  assert.notEqual(a.digest, b.digest);
});

test("exclude drops matching names, even with a global regex", () => {
  const only = fingerprintParams([MODEL[0], MODEL[1]]);
  const excl = fingerprintParams(MODEL, { exclude: /^out\// });
  assert.deepEqual(excl, only);
  const g = fingerprintParams(
    [
      ["opt/m1", p([1], [1])],
      ["opt/m2", p([1], [2])],
      ["w", p([1], [3])],
    ],
    { exclude: /^opt\//g },
  );
  assert.deepEqual(
    g.perParam.map((x) => x.name),
    ["w"],
  );
});

test("per-parameter digest is the construction over that parameter alone", () => {
  const fp = fingerprintParams(MODEL);
  for (const entry of fp.perParam) {
    const q = MODEL.find(([n]) => n === entry.name)!;
    assert.equal(entry.digest, fingerprintParams([q]).digest);
  }
});

test("digest is SHA-256 over name, 0x00, shape, 0x00, float32 LE bytes", () => {
  const h = createHash("sha256");
  h.update("a\x002,1\x00");
  h.update(Buffer.from([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0])); // 1.0f, -2.0f
  h.update("s\x00\x00");
  h.update(Buffer.from([0x00, 0x00, 0x40, 0x40])); // 3.0f
  const fp = fingerprintParams([
    ["s", p([], [3])],
    ["a", p([2, 1], [1, -2])],
  ]);
  assert.equal(fp.digest, `sha256:${h.digest("hex")}`);
});

test("golden digest pins the format (changing it breaks stored fingerprints)", () => {
  const fp = fingerprintParams(MODEL);
  assert.equal(fp.digest, "sha256:4c2eca5d3c697fc514cdc59baaec0f95b93e8c036b446c31a9874b9e4cff2e89");
});

test("no parameters give the digest of no bytes", () => {
  assert.equal(
    fingerprintParams([]).digest,
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
});

test("duplicate names and shapes that do not fit the data are rejected", () => {
  assert.throws(() => fingerprintParams([MODEL[0], MODEL[0]]), ReproError);
  assert.throws(
    () => fingerprintParams([["W", p([2, 2], [1, 2, 3])]]),
    /parameter "W": shape \[2,2\] does not fit 3/,
  );
});

test("per-param lines show name, shape and digest", () => {
  assert.equal(formatShape([32, 64]), "[32,64]");
  assert.equal(formatShape([]), "[]");
  const [w] = fingerprintParams([MODEL[0]]).perParam;
  assert.match(formatParamDigest(w), /^enc\/W \[2,3\] sha256:[0-9a-f]{64}$/);
});
