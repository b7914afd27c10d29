import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  buildManifest,
  configHash,
  dependencyVersions,
  finishManifest,
  frameworkRoot,
  gitState,
  readManifest,
  renderConfig,
  writeManifest,
} from "../../src/rundir/index.js";
import { withFailingRename } from "../helpers/fs-faults.js";

const tmp = () => mkdtempSync(join(tmpdir(), "repronet-manifest-"));

test("functions in a config are rendered as their source text", () => {
  const algo = (idx: number) => (idx < 2 ? { idx } : null);
  const out = renderConfig({ pretrain: { construction_algo: algo } }) as {
    pretrain: { construction_algo: string };
  };
  assert.equal(out.pretrain.construction_algo, algo.toString());
  assert.match(out.pretrain.construction_algo, /idx < 2/);
});

test("rendering sorts keys, drops undefined and turns non-finite numbers into strings", () => {
  assert.equal(
    JSON.stringify(
      renderConfig({ b: 1, a: [Number.NaN, undefined], c: undefined, d: Number.POSITIVE_INFINITY }),
    ),
    '{"a":["NaN",null],"b":1,"d":"Infinity"}',
  );
});

test("the config hash ignores key order and sees every value", () => {
  const h = configHash({ a: 1, b: { c: [1, 2] } });
  assert.match(h, /^sha256:[0-9a-f]{64}$/);
  assert.equal(configHash({ b: { c: [1, 2] }, a: 1 }), h);
  assert.notEqual(configHash({ a: 1, b: { c: [2, 1] } }), h);
});

test("the manifest records framework, node, kernels, threads, config, seeds and the error measure", () => {
  const root = frameworkRoot();
  const m = buildManifest({
    config: { learning_rate: 0.1 },
    configPath: "x.json",
    kernels: "js",
    threads: 4,
    seeds: { random_seed: 42 },
    errorMeasure: { key: "dev_score", reason: "main output loss output" },
    now: new Date(0),
  });
  assert.equal(m.framework.name, "repronet");
  assert.equal(m.framework.version, JSON.parse(readFileSync(join(root!, "package.json"), "utf8")).version);
  assert.equal(m.node, process.version);
  assert.equal(m.kernels, "js");
  assert.equal(m.threads, 4);
  assert.deepEqual(m.config.resolved, { learning_rate: 0.1 });
  assert.equal(m.config.sha256, configHash({ learning_rate: 0.1 }));
  assert.deepEqual(m.seeds, { random_seed: 42 });
  assert.deepEqual(m.learning_rate_control, {
    error_measure: "dev_score",
    reason: "main output loss output",
  });
  assert.equal(m.started_at, "1970-01-01T00:00:00.000Z");
  assert.equal(m.resumed_from_epoch, null);
  assert.ok("commander" in m.dependencies);
});

test("without a framework checkout the commit and dirty flag are null, not an error", () => {
  assert.deepEqual(gitState(null), { commit: null, dirty: null });
  assert.deepEqual(gitState(tmp()), { commit: null, dirty: null });
  const m = buildManifest({
    config: {},
    configPath: "x",
    kernels: "js",
    threads: 1,
    seeds: {},
    errorMeasure: { key: null, reason: "" },
    root: null,
  });
  assert.equal(m.framework.version, "unknown");
  assert.deepEqual(m.dependencies, {});
});

test("git commit and dirty flag come from the framework's own repository", (t) => {
  const dir = tmp();
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@t", ...args], {
      encoding: "utf8",
    }).trim();
  try {
    git("init", "-q");
  } catch {
    t.skip("git is not available");
    return;
  }
  writeFileSync(join(dir, "package.json"), '{"name": "repronet", "version": "9.9.9"}');
  git("add", "package.json");
  git("commit", "-q", "-m", "x");
  const commit = git("rev-parse", "HEAD");
  assert.deepEqual(gitState(dir), { commit, dirty: false });
  writeFileSync(join(dir, "package.json"), '{"name": "repronet", "version": "9.9.10"}');
  assert.deepEqual(gitState(dir), { commit, dirty: true });
  // A package inside someone else's repository is not a framework checkout.
  const nested = join(dir, "node_modules", "repronet");
  execFileSync("mkdir", ["-p", nested]);
  writeFileSync(join(nested, "package.json"), '{"name": "repronet", "version": "1.0.0"}');
  assert.deepEqual(gitState(nested), { commit: null, dirty: null });
});

test("dependency versions come from package-lock, else node_modules, else the declared range", () => {
  const dir = tmp();
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "repronet", dependencies: { a: "^1.0.0", b: "^2.0.0", c: "~3" } }),
  );
  writeFileSync(
    join(dir, "package-lock.json"),
    JSON.stringify({ packages: { "node_modules/a": { version: "1.2.3" } } }),
  );
  execFileSync("mkdir", ["-p", join(dir, "node_modules", "b")]);
  writeFileSync(join(dir, "node_modules", "b", "package.json"), '{"version": "2.5.0"}');
  assert.deepEqual(dependencyVersions(dir), { a: "1.2.3", b: "2.5.0", c: "~3" });
});

test("the manifest is written atomically as OUT/manifest.json", () => {
  const out = join(tmp(), "run");
  const m = buildManifest({
    config: { x: 1 },
    configPath: "x",
    kernels: "js",
    threads: 1,
    seeds: {},
    errorMeasure: { key: null, reason: "" },
  });
  const path = writeManifest(out, m);
  assert.equal(path, join(out, "manifest.json"));
  assert.deepEqual(JSON.parse(readFileSync(path, "utf8")), m);
  assert.deepEqual(readdirSync(out), ["manifest.json"]);
  // Killed before the rename: the previous manifest stays whole.
  const next = { ...m, command: ["train", "again"] };
  assert.throws(
    () => withFailingRename(() => writeManifest(out, next)),
    /manifest\.json: input\/output error \(EIO\)/,
  );
  assert.deepEqual(JSON.parse(readFileSync(path, "utf8")), m);
  assert.deepEqual(readdirSync(out), ["manifest.json"]);
});

test("a corrupt manifest is an error naming it, a missing one is null", () => {
  const out = tmp();
  assert.equal(readManifest(out), null);
  writeFileSync(join(out, "manifest.json"), '{"format":"repronet/manifest/1","hist');
  assert.throws(() => readManifest(out), /manifest\.json: corrupt \(not JSON\)/);
  writeFileSync(join(out, "manifest.json"), "{}");
  assert.throws(() => readManifest(out), /manifest\.json: corrupt \(not a repronet\/manifest\/1 manifest/);
});

const input = (over: Partial<Parameters<typeof buildManifest>[0]> = {}) => ({
  config: { num_epochs: 1 },
  configPath: "x.json",
  kernels: "js",
  threads: 1,
  seeds: {},
  errorMeasure: { key: "dev_score", reason: "main output loss output" },
  root: null,
  ...over,
});

test("a fresh run's history has one entry, running until it is finished", () => {
  const out = join(tmp(), "run");
  const m = buildManifest(input({ command: ["train", "x.json"], now: new Date(0) }));
  assert.equal(m.history.length, 1);
  assert.deepEqual(m.history[0], {
    started_at: "1970-01-01T00:00:00.000Z",
    ended_at: null,
    outcome: "running",
    command: ["train", "x.json"],
    config_sha256: configHash({ num_epochs: 1 }),
    framework: { version: "unknown", commit: null, dirty: null },
    node: process.version,
    kernels: "js",
    threads: 1,
    resumed_from: null,
    stopped_at: null,
  });
  writeManifest(out, m);
  const done = finishManifest(out, m, "interrupted", { epoch: 2, global_step: 31 }, new Date(1000));
  assert.deepEqual(readManifest(out), done);
  assert.equal(done.history[0].outcome, "interrupted");
  assert.equal(done.history[0].ended_at, "1970-01-01T00:00:01.000Z");
  assert.deepEqual(done.history[0].stopped_at, { epoch: 2, global_step: 31 });
});

test("a resumed run continues the previous manifest's history", () => {
  const first = finishManifest(join(tmp(), "a"), buildManifest(input()), "finished", {
    epoch: 1,
    global_step: 6,
  });
  const second = buildManifest(
    input({ config: { num_epochs: 3 }, previous: first, resumedFrom: 1, resumedFromCheckpoint: "epoch.001" }),
  );
  assert.equal(second.history.length, 2);
  assert.deepEqual(second.history[0], first.history[0]);
  assert.equal(second.history[1].resumed_from, "epoch.001");
  assert.equal(second.history[1].config_sha256, configHash({ num_epochs: 3 }));
  assert.equal(second.resumed_from_epoch, 1);
  assert.equal(readManifest(join(tmp(), "none")), null);
});

test("an earlier invocation that never recorded its end (killed) is marked lost on resume", () => {
  const killed = buildManifest(input()); // written at start, never finished
  const next = buildManifest(input({ previous: killed, resumedFrom: 1, resumedFromCheckpoint: "epoch.001" }));
  assert.deepEqual(
    next.history.map((r) => r.outcome),
    ["lost", "running"],
  );
  assert.equal(next.history[0].ended_at, null);
});
