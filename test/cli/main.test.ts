import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../train/cli-main.js", import.meta.url));
const repronet = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });

test("a usage error is one error: line and a pointer to --help, not the whole help", () => {
  for (const args of [["train"], ["train", "c.json", "--bogus"], ["nope"]]) {
    const r = repronet(...args);
    assert.equal(r.status, 1);
    const lines = r.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0], /^error: /);
    assert.equal(lines[1], "(see repronet --help, or repronet COMMAND --help)");
  }
});

test("--help still prints the whole help, with exit code 0", () => {
  const r = repronet("train", "--help");
  assert.equal(r.status, 0);
  assert.match(r.stdout, /--force-config/);
  assert.match(r.stdout, /--repair/);
});
