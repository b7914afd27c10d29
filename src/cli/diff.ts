/**
 * `repronet diff A B [--json]`: compares two run directories, config files or
 * checkpoint files (docs/diff.md). The first line is the verdict. Exit code 0
 * when identical, 1 when different (or not comparable), 2 on errors (a
 * one-line `error: ...`, also for a bad command line).
 */
import { type Command, CommanderError } from "commander";
import { diffPaths } from "../diag/diff/index.js";
import { renderJson, renderText } from "../diag/diff/render.js";
import { ReproError } from "../util/errors.js";

export const DIFF_ERROR_EXIT = 2;

/** The lines `diff` prints and its exit code; errors are ReproErrors with exit code 2. */
export async function diffCommand(
  a: string,
  b: string,
  opts: { json?: boolean } = {},
): Promise<{ lines: string[]; exitCode: 0 | 1 }> {
  try {
    const report = await diffPaths(a, b);
    return { lines: opts.json ? [renderJson(report)] : renderText(report), exitCode: report.exitCode };
  } catch (e) {
    if (e instanceof ReproError) throw new ReproError(e.message, DIFF_ERROR_EXIT);
    throw e;
  }
}

/** Writes a line to stdout; a closed pipe (`repronet diff A B | head -1`) is not an error. */
function stdoutLine(line: string): void {
  if (process.stdout.listenerCount("error") === 0)
    process.stdout.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE") throw e;
    });
  process.stdout.write(`${line}\n`);
}

export function registerDiff(program: Command, out: (line: string) => void = stdoutLine): void {
  program
    .command("diff")
    .description("say whether two runs, configs or checkpoints are identical, and if not where and why")
    .argument("<a>", "a run directory, a config file or a .safetensors checkpoint")
    .argument("<b>", "the same kinds (a config and a checkpoint cannot be compared)")
    .option("--json", "print one JSON object with every section")
    // Usage errors exit with 2 like every other error of this command (help and version stay 0).
    .exitOverride((err) => {
      throw err.exitCode === 0 ? err : new CommanderError(DIFF_ERROR_EXIT, err.code, err.message);
    })
    .action(async (a: string, b: string, o: { json?: boolean }) => {
      const { lines, exitCode } = await diffCommand(a, b, o);
      for (const line of lines) out(line);
      // main() returns a CommanderError's exit code without printing anything.
      if (exitCode !== 0) throw new CommanderError(exitCode, "repronet.diff.different", "");
    });
}
