/**
 * `repronet fingerprint DIR_OR_CHECKPOINT [--exclude REGEX] [--per-param]`:
 * prints `sha256:<64 hex>` over all parameters (src/rundir/fingerprint.ts) as
 * the last line. For a run directory it reads the newest complete checkpoint;
 * `--per-param` first prints `<name> <shape> sha256:<hex>` per parameter.
 */
import type { Command } from "commander";
import { fingerprintParams, formatParamDigest, readParams, resolveParamsFile } from "../rundir/index.js";
import { ReproError } from "../util/errors.js";

/** The lines the command prints for `path`. */
export function fingerprintLines(
  path: string,
  opts: { exclude?: string; perParam?: boolean; allowBroken?: boolean } = {},
): string[] {
  let exclude: RegExp | undefined;
  if (opts.exclude !== undefined) {
    try {
      exclude = new RegExp(opts.exclude);
    } catch (e) {
      throw new ReproError(`--exclude: invalid regular expression: ${(e as Error).message}`);
    }
  }
  const params = readParams(resolveParamsFile(path), { allowBroken: opts.allowBroken });
  const fp = fingerprintParams(params, { exclude });
  return [...(opts.perParam ? fp.perParam.map(formatParamDigest) : []), fp.digest];
}

export function registerFingerprint(
  program: Command,
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): void {
  program
    .command("fingerprint")
    .description("SHA-256 over a checkpoint's parameters (names, shapes, float32 bits)")
    .argument("<path>", "a run directory (newest complete checkpoint) or a .safetensors file")
    .option("--exclude <regex>", "leave out parameters whose full name matches")
    .option("--per-param", "first print one line per parameter: <name> <shape> sha256:<hex>")
    .option("--allow-broken", "fingerprint a .broken checkpoint too")
    .action((path: string, o: { exclude?: string; perParam?: boolean; allowBroken?: boolean }) => {
      for (const line of fingerprintLines(path, o)) out(line);
    });
}
