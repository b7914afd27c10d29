#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled library (`npm ci` builds it).
import { main } from "../dist/src/cli/main.js";

// `repronet … | head` closes the pipe early: stop quietly, as Unix tools do,
// with the command's own exit code when it has one by then (`diff`'s verdict
// is written last, so its code is known when the pipe breaks).
process.stdout.on("error", (e) => {
  if (e.code !== "EPIPE") throw e;
  setImmediate(() => process.exit(process.exitCode ?? 0));
});

process.exitCode = await main(process.argv);
