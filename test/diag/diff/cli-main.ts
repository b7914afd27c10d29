/** Child-process entry for the diff CLI tests: the CLI of this build (bin/repronet.js reads ./dist). */
import { main } from "../../../src/cli/main.js";

process.exitCode = await main(process.argv);
