import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { configKeysMarkdown } from "../../src/config/keys.js";

test("docs/config.md lists every config key with its current description", () => {
  const doc = readFileSync("docs/config.md", "utf8");
  assert.ok(
    doc.includes(configKeysMarkdown()),
    "docs/config.md is out of date: regenerate its table from src/config/keys.ts",
  );
});
