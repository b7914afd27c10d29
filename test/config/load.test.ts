import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { loadConfig } from "../../src/config/load.js";
import { ReproError } from "../../src/util/errors.js";

const FIX = "test/fixtures/config";
const tmp = mkdtempSync(join(tmpdir(), "repronet-config-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes `text` to a fresh file in the temporary directory and returns its path. */
function write(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

async function rejectsWith(path: string, message: string | RegExp): Promise<void> {
  await assert.rejects(loadConfig(path), (e: unknown) => {
    assert.ok(e instanceof ReproError);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

test("a JSON config loads with format json and an absolute path", async () => {
  const loaded = await loadConfig(`${FIX}/basic.json`);
  assert.equal(loaded.format, "json");
  assert.equal(loaded.path, resolve(`${FIX}/basic.json`));
  assert.deepEqual(loaded.config, {
    task: "train",
    random_seed: 7,
    learning_rate: 0.001,
    network: { output: { class: "softmax", from: ["data"], loss: "ce" } },
  });
});

test("a JSON syntax error names file, line and column", async () => {
  const path = write("bad.json", '{\n  "a": 1,\n  "b": [1, 2\n}\n');
  await rejectsWith(path, `${path}:4:1: invalid JSON: expected ',' or ']', found "}"`);
});

test("a JSON trailing comma is reported at the comma", async () => {
  const path = write("comma.json", '{\n  "a": 1,\n}');
  await rejectsWith(path, `${path}:2:9: invalid JSON: trailing comma is not allowed in JSON`);
});

test("a JSON config must be an object", async () => {
  const path = write("array.json", "[1, 2]");
  await rejectsWith(path, `${path}: a config must be a JSON object at the top level, got an array`);
});

test("a .config file is a Python config", async () => {
  const loaded = await loadConfig(`${FIX}/transformer.config`);
  assert.equal(loaded.format, "python");
  assert.equal(loaded.config.learning_rate, 1e-4);
});

test("a file without extension is a Python config when its first line is #!returnn", async () => {
  const loaded = await loadConfig(`${FIX}/small-returnn`);
  assert.equal(loaded.format, "python");
  assert.deepEqual(loaded.config, { num_epochs: 3, learning_rate: 0.5 });
});

test("a .py config is parsed, not executed", async () => {
  const path = write("net.py", "num_epochs = 2\nimport os\n");
  await rejectsWith(
    path,
    `${path}:2:1: unsupported Python syntax: import statement (configs are parsed, not executed; \`repronet import\` runs a RETURNN config as Python)`,
  );
});

test("a .config file holding JSON loads as JSON, as in RETURNN", async () => {
  const loaded = await loadConfig(write("json.config", '{"num_epochs": 4}'));
  assert.equal(loaded.format, "json");
  assert.deepEqual(loaded.config, { num_epochs: 4 });
});

test("a missing file is 'no such file'", async () => {
  await rejectsWith("config.json", "config.json: no such file");
});

test("a directory is not a config", async () => {
  await rejectsWith(FIX, `${FIX}: not a regular file`);
});

test("an unknown extension lists the supported formats", async () => {
  await rejectsWith(
    `${FIX}/settings.yaml`,
    /^test\/fixtures\/config\/settings\.yaml: unknown config format "\.yaml" \(supported: \.json, \.ts, \.mts, \.js, \.mjs, \.py, \.config, or a RETURNN config/,
  );
});

test("a config that is not valid UTF-8 is an error naming the line", async () => {
  const path = join(tmp, "latin1.json");
  writeFileSync(
    path,
    Buffer.concat([Buffer.from('{\n"num_epochs": 1,\n"x": "'), Buffer.from([0xe9]), Buffer.from('"}')]),
  );
  await assert.rejects(loadConfig(path), /latin1\.json: line 3: not valid UTF-8$/);
});
