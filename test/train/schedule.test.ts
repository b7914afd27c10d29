import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSchedule } from "../../src/train/schedule.js";
import { ReproError } from "../../src/util/errors.js";

const rates = (config: Record<string, unknown>, steps: number[], learningRate = 1, epoch = 1) => {
  const s = parseSchedule(config, "c.json");
  return steps.map((globalStep) => s.rate({ globalStep, epoch, learningRate }));
};

test("without warm-up every step gets the epoch's rate", () => {
  assert.deepEqual(rates({}, [0, 1, 1000], 0.3), [0.3, 0.3, 0.3]);
});

test("linear warm-up: (step + 1) / W of the epoch's rate, then the rate itself", () => {
  assert.deepEqual(rates({ learning_rate_warmup_steps: 4 }, [0, 1, 2, 3, 4, 100], 2), [0.5, 1, 1.5, 2, 2, 2]);
});

test("noam: linear warm-up to the epoch's rate at step W - 1, then the inverse square root", () => {
  const got = rates({ learning_rate_warmup_steps: 4, learning_rate_schedule: "noam" }, [0, 1, 3, 15, 63], 2);
  // factors: 1/4, 2/4, 4/4, sqrt(4/16) = 1/2, sqrt(4/64) = 1/4
  assert.deepEqual(got, [0.5, 1, 2, 1, 0.5]);
});

test("a schedule function gets the global step, the epoch and the epoch's rate", () => {
  const fn = ({
    globalStep,
    epoch,
    learningRate,
  }: {
    globalStep: number;
    epoch: number;
    learningRate: number;
  }) => learningRate / (1 + globalStep) + epoch;
  assert.deepEqual(rates({ learning_rate_schedule: fn }, [0, 1], 1, 3), [4, 3.5]);
});

test("bad schedule settings are one-line errors", () => {
  const fails = (config: Record<string, unknown>, re: RegExp) =>
    assert.throws(
      () => parseSchedule(config, "c.json"),
      (e: unknown) => e instanceof ReproError && re.test(e.message) && !e.message.includes("\n"),
    );
  fails(
    { learning_rate_schedule: "noam" },
    /c\.json: learning_rate_schedule "noam" needs learning_rate_warmup_steps >= 1/,
  );
  fails(
    { learning_rate_schedule: "cosine" },
    /learning_rate_schedule must be "constant", "noam" or a function, got "cosine"/,
  );
  fails({ learning_rate_warmup_steps: -1 }, /learning_rate_warmup_steps must be a non-negative integer/);
  fails(
    { learning_rate_warmup_steps: 2, learning_rate_schedule: () => 1 },
    /does not apply to a learning_rate_schedule function/,
  );
  const bad = parseSchedule({ learning_rate_schedule: () => Number.NaN }, "c.json");
  assert.throws(
    () => bad.rate({ globalStep: 7, epoch: 1, learningRate: 1 }),
    /returned NaN at global step 7/,
  );
});
