import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { gradientChecksMarkdown } from "../helpers/gradient-checks.js";

test("docs/gradient-checks.md lists every layer and loss with the tests that check its gradient", () => {
  const doc = readFileSync("docs/gradient-checks.md", "utf8");
  assert.ok(
    doc.includes(gradientChecksMarkdown()),
    "docs/gradient-checks.md is out of date: regenerate its table (test/helpers/gradient-checks.ts)",
  );
});
