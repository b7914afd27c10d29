/** Runs the real CLI (bin/repronet.js on the built dist) in a child process. */
import { spawnSync } from "node:child_process";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function repronet(args: readonly string[], input?: string | Uint8Array): CliResult {
  const r = spawnSync(process.execPath, ["bin/repronet.js", ...args], {
    encoding: "utf8",
    input,
    maxBuffer: 1 << 26,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The lines a command wrote to stderr, without the one-time notice that the
 * native kernels are unavailable (a machine without a compiler prints it
 * before anything else): errors must be one line on their own.
 */
export function stderrLines(stderr: string): string[] {
  return stderr
    .trim()
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("repronet: native kernels unavailable"));
}
