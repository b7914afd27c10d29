import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadConfig } from "../../src/config/load.js";
import { ReproError } from "../../src/util/errors.js";

const FIX = "test/fixtures/config";
const tmp = mkdtempSync(join(tmpdir(), "repronet-module-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

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

test("a TS config with a function value loads, importing a relative .js file", async () => {
  const loaded = await loadConfig(`${FIX}/pretrain.ts`);
  assert.equal(loaded.format, "module");
  const cfg = loaded.config as {
    network: { hidden: { n_out: number } };
    pretrain: { construction_algo: (idx: number, net: unknown) => unknown };
  };
  assert.equal(cfg.network.hidden.n_out, 32);
  assert.equal(typeof cfg.pretrain.construction_algo, "function");
  assert.equal(cfg.pretrain.construction_algo(0, "net"), "net");
  assert.equal(cfg.pretrain.construction_algo(2, "net"), null);
});

test("loading a TS config writes nothing next to it, also when it throws", async () => {
  const before = readdirSync(FIX);
  await loadConfig(`${FIX}/pretrain.ts`);
  assert.deepEqual(readdirSync(FIX), before);
  const path = write("throws.mts", 'throw new Error("boom");\nexport default {};\n');
  await rejectsWith(path, /throws\.mts: failed to load the config module: Error: boom$/);
});

test("a TS config imports other TS files, as ./x.ts or as ./x.js", async () => {
  const dir = mkdtempSync(join(tmp, "variant-"));
  writeFileSync(
    join(dir, "base.ts"),
    'import { dim } from "./dims.js";\nconst base: Record<string, unknown> = { num_epochs: 2, dim };\nexport default base;\n',
  );
  writeFileSync(join(dir, "dims.ts"), "export const dim: number = 64;\n");
  writeFileSync(
    join(dir, "variant.ts"),
    'import base from "./base.ts";\nexport default { ...base, num_epochs: 3 } satisfies Record<string, unknown>;\n',
  );
  assert.deepEqual((await loadConfig(join(dir, "variant.ts"))).config, { num_epochs: 3, dim: 64 });
});

test("a syntax error in an imported TS file names that file, line and column", async () => {
  const dir = mkdtempSync(join(tmp, "broken-import-"));
  writeFileSync(join(dir, "base.ts"), "export default {\n  a: 1,,\n};\n");
  writeFileSync(join(dir, "variant.ts"), 'import base from "./base.ts";\nexport default { ...base };\n');
  const variant = join(dir, "variant.ts");
  await rejectsWith(
    variant,
    `${variant}: failed to load the config module: SyntaxError: ${join(dir, "base.ts")}:2:8: TypeScript syntax error: Property assignment expected.`,
  );
});

test("a TS syntax error names line and column", async () => {
  const path = write("syntax.ts", "export default {\n  a: 1,,\n};\n");
  await rejectsWith(
    path,
    new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2:8: TypeScript syntax error: `),
  );
});

test("a JS module config loads its default export", async () => {
  const loaded = await loadConfig(`${FIX}/basic.js`);
  assert.equal(loaded.format, "module");
  assert.deepEqual(loaded.config, { task: "train", num_epochs: 2, learning_rates: [0.1, 0.2] });
});

test("a changed .mjs config is loaded afresh, not from the module cache", async () => {
  const path = write("changing.mjs", "export default { num_epochs: 1 };\n");
  assert.deepEqual((await loadConfig(path)).config, { num_epochs: 1 });
  writeFileSync(path, "export default { num_epochs: 2 };\n");
  assert.deepEqual((await loadConfig(path)).config, { num_epochs: 2 });
});

test("a module without a default export is an error", async () => {
  await rejectsWith(
    `${FIX}/no-default.mjs`,
    `${FIX}/no-default.mjs: the module has no default export (expected \`export default { ... }\`)`,
  );
});

test("a default export that is not an object is an error", async () => {
  const path = write("array.mjs", "export default [1, 2];\n");
  await rejectsWith(path, `${path}: the default export must be a config object, got an array`);
});

test("a JS syntax error names the line", async () => {
  const path = write("broken.mjs", "const a = 1;\nexport default { a: };\n");
  await rejectsWith(
    path,
    `${path}:2:21: failed to load the config module: SyntaxError: Unexpected token '}'`,
  );
});

test("a default export that is a rejected promise is a one-line error", async () => {
  await rejectsWith(
    write("rejected.mjs", 'export default Promise.reject(new Error("no config today"));\n'),
    /rejected\.mjs: the default export is a promise that rejected: no config today$/,
  );
});

test("a default export that resolves to a config is used", async () => {
  const path = write("later.mjs", "export default Promise.resolve({ num_epochs: 3 });\n");
  assert.deepEqual((await loadConfig(path)).config, { num_epochs: 3 });
});

test("a getter that throws is an error naming its key", async () => {
  await rejectsWith(
    write("getter.mjs", 'export default { num_epochs: 1, get network() { throw new Error("boom"); } };\n'),
    /getter\.mjs: reading config key "network" threw: boom$/,
  );
});
