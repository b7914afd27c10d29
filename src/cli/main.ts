import { Command, CommanderError } from "commander";
import { frameworkRoot, frameworkVersion, fsErrorLine, isFsError } from "../rundir/index.js";
import { ReproError } from "../util/errors.js";
import { registerAverage } from "./average.js";
import { registerCompare } from "./compare.js";
import { registerDiff } from "./diff.js";
import { registerFingerprint } from "./fingerprint.js";
import { registerImport } from "./import.js";
import { registerRecognize } from "./recognize.js";
import { registerScore } from "./score.js";
import { registerSearch } from "./search.js";
import { registerSweep } from "./sweep.js";
import { registerTrain } from "./train.js";
import { registerVocab } from "./vocab.js";

/** Each command lives in its own file and adds itself to the program. */
type Register = (program: Command) => void;
const commands: Register[] = [
  registerTrain,
  registerFingerprint,
  registerSearch,
  registerScore,
  registerVocab,
  registerAverage,
  registerDiff,
  registerCompare,
  registerImport,
  registerSweep,
  registerRecognize,
];

export function buildProgram(): Command {
  const program = new Command("repronet")
    .description("Deterministic RETURNN-style training of sequence models")
    .version(frameworkVersion(frameworkRoot()), "-V, --version")
    .exitOverride()
    // Usage errors: commander's one `error:` line, then a pointer to the help (not the whole help).
    .showHelpAfterError("(see repronet --help, or repronet COMMAND --help)");
  for (const register of commands) register(program);
  return program;
}

/**
 * Runs the CLI; returns the process exit code. User errors print one line,
 * and so does a file-system failure no command turned into one (ENOSPC,
 * EROFS, ...): it names the file and the cause, never a stack trace.
 */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof ReproError) {
      process.stderr.write(`error: ${e.message}\n`);
      return e.exitCode;
    }
    if (isFsError(e)) {
      process.stderr.write(`error: ${fsErrorLine(e)}\n`);
      return 1;
    }
    throw e;
  }
}
