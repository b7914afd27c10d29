/** Child-process entry for the cross-process test: trains the fake network, prints its fingerprint. */
import { train } from "../../src/train/trainer.js";
import { fakeConfig, fakeFactory } from "./fake-net.js";

const result = await train({
  config: fakeConfig({ num_epochs: 2, seq_ordering: "random" }),
  configFile: "fake.json",
  outDir: process.argv[2],
  buildNetwork: fakeFactory({ dropout: 0.1 }),
  log: () => {},
});
process.stdout.write(`${result.fingerprint}\n`);
