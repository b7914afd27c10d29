/**
 * Contract point 5 under pretraining: a pretrain schedule that leaves the
 * zero-scaled losses out for its first epochs trains to the parameters of no
 * pretraining at all — loaded from a TypeScript config with a construction_algo.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadConfig } from "../../src/config/index.js";
import { type Config, referenceConfig, trainedFingerprint } from "../helpers/contract.js";

const work = mkdtempSync(join(tmpdir(), "repronet-engine-pretrain-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** The zero-copy variant (loss_scale 0 on the attention weights), its aux losses removed for `stepsWithout` steps. */
const TS_CONFIG = (stepsWithout: number, extra: string) => `
import { readFileSync } from "node:fs";

type NetDict = Record<string, any>;
const base = JSON.parse(readFileSync("examples/transformer-zero-copy.json", "utf8"));
base.train.num_seqs = 96;
base.dev.num_seqs = 16;

export default {
  ...base,
  ${extra}
  pretrain: {
    repetitions: 1,
    construction_algo: (idx: number, net: NetDict): NetDict | null => {
      if (idx >= ${stepsWithout}) return null;
      delete net.output.unit.dec_01_weight_loss;
      delete net.output.unit.dec_02_weight_loss;
      return net;
    },
  },
};
`;

async function tsConfig(name: string, stepsWithout: number, extra = ""): Promise<Config> {
  const path = join(work, `${name}.ts`);
  writeFileSync(path, TS_CONFIG(stepsWithout, extra));
  const { config } = await loadConfig(path);
  return config;
}

const withEpochs = (c: Config, n: number): Config => ({ ...c, num_epochs: n });

let none2: string;
before(async () => {
  none2 = await trainedFingerprint(withEpochs(referenceConfig(), 2));
});

test("pretraining without the zero-scaled losses for the first epoch equals no pretraining (TS config)", async () => {
  const pre = await tsConfig("one-step", 1);
  assert.equal(typeof (pre.pretrain as { construction_algo: unknown }).construction_algo, "function");
  // Both epochs are pretrain epochs (the final network counts too), at learning_rate = the control's first rates.
  assert.equal(await trainedFingerprint(withEpochs(pre, 2)), none2);
});

test("and so it stays after pretraining, when the learning-rate control decides throughout", async () => {
  const pre = await tsConfig("two-steps", 2, "use_learning_rate_control_always: true,");
  const none = withEpochs({ ...referenceConfig(), use_learning_rate_control_always: true }, 4);
  assert.equal(
    await trainedFingerprint(withEpochs(pre, 4)),
    await trainedFingerprint({ ...none, pretrain: undefined }),
  );
});
