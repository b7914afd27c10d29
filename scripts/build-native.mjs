#!/usr/bin/env node
/**
 * `npm ci` install step: builds the native kernels with node-gyp (against the
 * local Node headers; nothing is downloaded). It never fails the install: when
 * the build fails (no compiler, no headers) it prints one warning line and
 * exits 0, and repronet runs on the pure-TS kernels (it says so once).
 *
 * `node scripts/build-native.mjs --verbose` shows the compiler output.
 * REPRONET_SKIP_NATIVE=1 skips the build.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const verbose = process.argv.includes("--verbose");
const warn = (why) => {
  console.warn(`repronet: native kernels not built (${why}); the pure-TypeScript kernels will be used`);
  process.exit(0);
};

if (process.env.REPRONET_SKIP_NATIVE === "1") warn("REPRONET_SKIP_NATIVE=1");

/** node-gyp: the one npm runs scripts with, else the copy bundled with npm, else on PATH. */
function findNodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, fromNpm];
  try {
    const req = createRequire(import.meta.url);
    const npmCli = process.env.npm_execpath;
    if (npmCli) {
      const candidate = join(dirname(npmCli), "..", "node_modules", "node-gyp", "bin", "node-gyp.js");
      if (existsSync(candidate)) return [process.execPath, candidate];
    }
    const npmDir = join(dirname(process.execPath), "..", "lib", "node_modules", "npm");
    const candidate = join(npmDir, "node_modules", "node-gyp", "bin", "node-gyp.js");
    if (existsSync(candidate)) return [process.execPath, candidate];
    return [process.execPath, req.resolve("node-gyp/bin/node-gyp.js")];
  } catch {
    return ["node-gyp"];
  }
}

const [cmd, ...pre] = findNodeGyp();
const args = [...pre, "rebuild", "--release"];
// Headers come from the local Node installation when npm knows no nodedir.
if (!process.env.npm_config_nodedir && existsSync(join(dirname(process.execPath), "..", "include", "node"))) {
  args.push(`--nodedir=${join(dirname(process.execPath), "..")}`);
}
const started = Date.now();
const r = spawnSync(cmd, args, { stdio: verbose ? "inherit" : "pipe", encoding: "utf8" });
if (r.error) warn(`cannot run node-gyp: ${r.error.message}`);
if (r.status !== 0) {
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n");
  const firstError = out.find((l) => /error/i.test(l)) ?? out[out.length - 1] ?? `exit ${r.status}`;
  warn(`node-gyp failed: ${firstError.trim().slice(0, 200)}`);
}
if (!existsSync("build/Release/repronet_native.node"))
  warn("node-gyp produced no build/Release/repronet_native.node");
if (verbose) console.log(`repronet: native kernels built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
