import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { EpochTiming, type Phase } from "../../src/train/timing.js";
import { train } from "../../src/train/trainer.js";
import { fakeConfig, fakeFactory } from "./fake-net.js";

/** A clock the test moves by hand, and `spend`: a timed phase that takes `seconds`. */
function manualTiming() {
  const c = { now: 0 };
  const timing = new EpochTiming(() => c.now);
  const spend = (phase: Phase, seconds: number, inner?: () => void) =>
    timing.time(phase, () => {
      c.now += seconds;
      inner?.();
    });
  return { c, timing, spend };
}

test("a phase timed inside another is not counted twice", () => {
  const { c, timing, spend } = manualTiming();
  spend("backward", 3, () => spend("forward", 3));
  spend("data", 1);
  c.now += 3; // untimed: "other"
  timing.tokens = 500;
  assert.equal(
    timing.line("epoch 1"),
    "epoch 1 timing: 50 tokens/s; data 10.0%, forward 30.0%, backward 30.0%, optimizer 0.0%, dev scoring 0.0%, other 30.0% of 10.0 s",
  );
});

test("tokens/s leaves dev scoring time out", () => {
  const { timing, spend } = manualTiming();
  spend("forward", 2);
  spend("dev scoring", 8);
  timing.tokens = 100;
  assert.match(
    timing.line("epoch 2"),
    /^epoch 2 timing: 50 tokens\/s; .*dev scoring 80\.0%, other 0\.0% of 10\.0 s$/,
  );
});

test("train prints one timing line per epoch at log_verbosity 4, none at 3", async () => {
  const lines = async (verbosity: number) => {
    const out: string[] = [];
    await train({
      config: fakeConfig({ log_verbosity: verbosity }),
      configFile: "fake.json",
      outDir: mkdtempSync(join(tmpdir(), "repronet-timing-")),
      buildNetwork: fakeFactory(),
      log: (l) => out.push(l),
    });
    return out.filter((l) => / timing: /.test(l));
  };
  const v4 = await lines(4);
  assert.equal(v4.length, 2);
  assert.match(
    v4[0],
    /^epoch 1 timing: \d+ tokens\/s; data \d+\.\d%, forward \d+\.\d%, backward \d+\.\d%, optimizer \d+\.\d%, dev scoring \d+\.\d%, other -?\d+\.\d% of \d+\.\d s$/,
  );
  const shares = [...v4[0].matchAll(/(\d+\.\d)%/g)].map((m) => Number(m[1]));
  assert.ok(shares[1] > 0 && shares[2] > 0 && shares[4] > 0, v4[0]); // forward, backward, dev were timed
  assert.deepEqual(await lines(3), []);
});
