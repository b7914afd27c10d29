/** Child-process entry for the cross-process determinism test: prints the fingerprint after N steps. */
import { fingerprint, initMlp, trainStep } from "./mlp.js";

const steps = Number(process.argv[2] ?? 20);
const mlp = initMlp(7);
for (let s = 0; s < steps; s++) trainStep(mlp, 7, s);
process.stdout.write(`${fingerprint(mlp)}\n`);
