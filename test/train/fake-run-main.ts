/**
 * Child-process entry for crash tests: trains the fake network into OUT for
 * EPOCHS epochs (resuming when OUT holds checkpoints), prints each "Save model
 * under ..." line as it happens, and the fingerprint last.
 * Usage: node fake-run-main.js OUT EPOCHS
 */
import { train } from "../../src/train/trainer.js";
import { fakeConfig, fakeFactory } from "./fake-net.js";

export const crashConfig = (numEpochs: number) =>
  fakeConfig({ num_epochs: numEpochs, seq_ordering: "random", accum_grad_multiple_step: 4 });

if (process.argv[2]) {
  const result = await train({
    config: crashConfig(Number(process.argv[3])),
    configFile: "fake.json",
    outDir: process.argv[2],
    buildNetwork: fakeFactory({ dropout: 0.1, hidden: 64 }),
    log: (l) => {
      if (l.startsWith("Save model under")) process.stdout.write(`${l}\n`);
    },
  });
  process.stdout.write(`${result.fingerprint}\n`);
}
