import assert from "node:assert/strict";
import { test } from "node:test";
import { locateJsonError, parseJsonConfig } from "../../src/config/json.js";
import { ReproError } from "../../src/util/errors.js";

function rejects(text: string, message: string): void {
  assert.throws(() => parseJsonConfig(text, "c.json"), new ReproError(message));
}

test("valid JSON has no error location", () => {
  assert.equal(locateJsonError('{"a": [1, -2.5e3, true, null, "x\\u00e9\\n"], "b": {}}'), undefined);
});

test("a JSON config parses to its object, BOM allowed", () => {
  assert.deepEqual(parseJsonConfig('\uFEFF{"a": {"b": [1, 2]}}', "c.json"), { a: { b: [1, 2] } });
});

test("a missing comma is reported where the comma should be", () => {
  rejects('{\n  "a": 1\n  "b": 2\n}', "c.json:3:3: invalid JSON: expected ',' or '}', found \"\\\"\"");
});

test("comments, single quotes and unquoted keys are reported", () => {
  rejects('{\n  // note\n  "a": 1\n}', "c.json:2:3: invalid JSON: comments are not allowed in JSON");
  rejects("{\"a\": 'x'}", "c.json:1:7: invalid JSON: strings must use double quotes");
  rejects("{a: 1}", 'c.json:1:2: invalid JSON: expected a "quoted" property name, found "a"');
});

test("an unterminated string is reported at its start", () => {
  rejects('{"a": "xy\n}', "c.json:1:7: invalid JSON: unterminated string");
});

test("truncated JSON is reported at the end", () => {
  rejects('{"a": [1,\n', "c.json:2:1: invalid JSON: unexpected end of input, expected a value");
});

test("content after the top-level value is reported", () => {
  rejects('{"a": 1} x', "c.json:1:10: invalid JSON: unexpected content after the top-level value");
});

test("a comment after a value and a single-quoted key are reported", () => {
  rejects('{"a": 1, /* x */ "b": 2}', "c.json:1:10: invalid JSON: comments are not allowed in JSON");
  rejects("{'a': 1}", "c.json:1:2: invalid JSON: strings must use double quotes");
});
