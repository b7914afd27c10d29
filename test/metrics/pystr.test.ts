import assert from "node:assert/strict";
import { test } from "node:test";
import {
  codePoints,
  pyLower,
  pyNormalizeSpace,
  pyRemoveSpace,
  pyRstrip,
  pySplit,
  pyStrip,
} from "../../src/metrics/pystr.js";

test("pySplit splits on Python whitespace, including U+001C and U+0085, but not U+FEFF", () => {
  assert.deepEqual(pySplit("a\u00a0b\ufeffc\x1cd\x85e\u3000f"), ["a", "b\ufeffc", "d", "e", "f"]);
});

test("pySplit drops leading and trailing whitespace and returns [] for blank strings", () => {
  assert.deepEqual(pySplit("  a \t b\n"), ["a", "b"]);
  assert.deepEqual(pySplit(" \t "), []);
  assert.deepEqual(pySplit(""), []);
});

test("pyRstrip and pyStrip remove Python whitespace only", () => {
  assert.equal(pyRstrip("ab \t\u3000\n"), "ab");
  assert.equal(pyRstrip("ab\ufeff"), "ab\ufeff");
  assert.equal(pyStrip("\u2028 ab \u2029"), "ab");
});

test("pyNormalizeSpace collapses whitespace runs to one space", () => {
  assert.equal(pyNormalizeSpace("  a\t\tb \u200a c  "), "a b c");
});

test("pyRemoveSpace deletes every whitespace character", () => {
  assert.equal(pyRemoveSpace(" a b\tc\u3000d "), "abcd");
});

test("pyLower applies full case mappings and final sigma like Python", () => {
  assert.equal(pyLower("ΣΟΦΟΣ"), "σοφος");
  assert.equal(pyLower("ΑΣ Σ"), "ας σ");
  assert.equal(pyLower("İ"), "i\u0307");
});

test("codePoints counts astral characters once", () => {
  assert.deepEqual(codePoints("a😀b"), ["a", "😀", "b"]);
});
