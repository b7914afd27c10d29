#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled library (`npm ci` builds it).
import { main } from "../dist/src/cli/main.js";

// `repronet … | head` closes the pipe early: stop quietly, as Unix tools do.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

process.exitCode = await main(process.argv);
