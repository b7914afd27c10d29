/**
 * `repronet train CONFIG --out DIR [--set key=value ...] [--threads N]`:
 * loads the config, applies overrides, checks the keys, builds the network
 * and trains it, printing RETURNN-style log lines to stdout. Running it again
 * on the same DIR resumes after the newest complete checkpoint. Ctrl-C
 * (SIGINT) saves a checkpoint at the next step boundary and exits with 130; a
 * second Ctrl-C quits at once.
 */
import type { Command } from "commander";
import { applyOverrides, checkTopLevelKeys, loadConfig } from "../config/index.js";
import { buildNetwork } from "../network/network.js";
import { type NetworkFactory, train } from "../train/trainer.js";
import { ReproError } from "../util/errors.js";

export interface TrainCommandOptions {
  /** Builds the network (tests pass a small fake one). */
  buildNetwork?: NetworkFactory;
  /** Receives each log line (default: stdout). */
  log?: (line: string) => void;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function parseThreads(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new ReproError(`--threads must be a positive integer, got "${value}"`);
  return n;
}

export function registerTrain(program: Command, opts: TrainCommandOptions = {}): void {
  program
    .command("train")
    .description("train a network from a config; writes checkpoints and manifest.json to --out")
    .argument("<config>", "config file (.json, .ts/.js module, or RETURNN-style Python config)")
    .requiredOption("--out <dir>", "run directory (checkpoints/, manifest.json, learning_rates.json)")
    .option(
      "--set <key=value>",
      "override a config key (value parsed as JSON, else a string); repeatable",
      collect,
      [],
    )
    .option("--threads <n>", "number of threads (recorded; results never depend on it)", parseThreads)
    .action(async (configPath: string, o: { out: string; set: string[]; threads?: number }) => {
      const loaded = await loadConfig(configPath);
      const config = applyOverrides(loaded.config, o.set);
      checkTopLevelKeys(config, configPath);
      const stop = new AbortController();
      const onSigint = () => {
        process.stderr.write(
          "interrupt: saving a checkpoint at the next step boundary (Ctrl-C again quits at once)\n",
        );
        stop.abort();
      };
      process.once("SIGINT", onSigint);
      try {
        await train({
          config,
          configFile: configPath,
          outDir: o.out,
          buildNetwork: opts.buildNetwork ?? buildNetwork,
          threads: o.threads,
          log: opts.log,
          command: process.argv.slice(2),
          signal: stop.signal,
        });
      } finally {
        process.removeListener("SIGINT", onSigint);
      }
    });
}
