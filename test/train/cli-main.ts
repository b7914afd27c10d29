/** Child-process entry for tests that spawn the CLI from this build (bin/repronet.js reads ./dist). */
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv);
