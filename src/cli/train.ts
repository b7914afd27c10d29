/**
 * `repronet train CONFIG --out DIR [--set key=value ...] [--threads N]`:
 * loads the config, applies overrides, checks the keys, builds the network
 * and trains it, printing RETURNN-style log lines to stdout. Running it again
 * on the same DIR resumes after the newest complete checkpoint. Ctrl-C
 * (SIGINT) or SIGTERM saves a checkpoint at the next step boundary and exits
 * with 130 or 143; a second signal quits at once.
 */
import type { Command } from "commander";
import { applyOverrides, checkTopLevelKeys, loadConfig } from "../config/index.js";
import { prepareHdf } from "../data/index.js";
import { resumeChanges } from "../diag/resume-notes.js";
import type { KernelsName } from "../kernels/active.js";
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

export function parseKernels(value: string): KernelsName {
  if (value !== "js" && value !== "native" && value !== "auto")
    throw new ReproError(`--kernels must be js, native or auto, got "${value}"`);
  return value;
}

function parseThreads(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new ReproError(`--threads must be a positive integer, got "${value}"`);
  return n;
}

interface DiagFlags {
  debugGrad?: boolean;
  compat?: "returnn-seeding";
}

function parseCompat(value: string): "returnn-seeding" {
  if (value !== "returnn-seeding") throw new ReproError(`--compat must be returnn-seeding, got "${value}"`);
  return value;
}

/** Flags that stand for config keys, as `--set` overrides (so the manifest's config records them). */
const flagOverrides = (o: DiagFlags): string[] => [
  ...(o.debugGrad ? ["debug_grad=true"] : []),
  ...(o.compat === "returnn-seeding" ? ["param_init_seeding=returnn"] : []),
];

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
    .option("--threads <n>", "kernel threads (default: all cores; results never depend on it)", parseThreads)
    .option("--kernels <name>", "js, native, or auto (native when it loads; the default)", parseKernels)
    .option("--force-config", "resume although the config differs from the run's in what can affect training")
    .option(
      "--repair",
      "rebuild a missing or corrupt manifest.json or learning_rates.json (says what it rebuilt)",
    )
    .option("--debug-grad", "gradient trace of every layer to OUT/grads.jsonl (config key debug_grad)")
    .option(
      "--compat <mode>",
      "returnn-seeding: parameters seeded in RETURNN's layer-creation order",
      parseCompat,
    )
    .action(
      async (
        configPath: string,
        o: {
          out: string;
          set: string[];
          threads?: number;
          kernels?: KernelsName;
          forceConfig?: boolean;
          repair?: boolean;
        } & DiagFlags,
      ) => {
        const loaded = await loadConfig(configPath);
        const config = applyOverrides(loaded.config, [...o.set, ...flagOverrides(o)]);
        checkTopLevelKeys(config, configPath, loaded.format);
        await prepareHdf(config);
        const stop = new AbortController();
        const onSignal = (signal: NodeJS.Signals) => {
          if (stop.signal.aborted) {
            process.stderr.write(`${signal} again: quitting at once\n`);
            process.exit(signal === "SIGTERM" ? 143 : 130);
          }
          process.stderr.write(
            `${signal === "SIGTERM" ? "terminate" : "interrupt"}: saving a checkpoint at the next step boundary (a second signal quits at once)\n`,
          );
          stop.abort(signal);
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
        try {
          await train({
            config,
            configFile: configPath,
            outDir: o.out,
            buildNetwork: opts.buildNetwork ?? buildNetwork,
            threads: o.threads,
            kernels: o.kernels,
            log: opts.log,
            command: process.argv.slice(2),
            signal: stop.signal,
            forceConfig: o.forceConfig,
            repair: o.repair,
            compareManifests: resumeChanges,
          });
        } finally {
          process.removeListener("SIGINT", onSignal);
          process.removeListener("SIGTERM", onSignal);
        }
      },
    );
}
