import assert from "node:assert/strict";
import { test } from "node:test";
import { renderStatus, type StatusRow } from "../../src/sweep/status.js";

const row = (
  variant: string,
  seed: number,
  state: StatusRow["state"]["state"],
  epoch: number,
  value?: number,
): StatusRow => ({
  id: `${variant}/seed-${seed}`,
  variant,
  seed,
  state: {
    state,
    epoch,
    lastScore: value === undefined ? null : { key: "dev_score", value },
    configSha256: null,
  },
});

test("the status table has one aligned row per run and counts the states", () => {
  const lines = renderStatus([
    row("base", 1, "finished", 3, 2.5),
    row("base", 2, "running", 1, 3.1234567),
    row("lr", 1, "pending", 0),
  ]);
  assert.deepEqual(lines, [
    "variant  seed  state     epoch  last dev_score",
    "base     1     finished  3      2.5",
    "base     2     running   1      3.12346",
    "lr       1     pending   0      -",
    "",
    "3 runs: 1 finished, 1 running, 1 pending",
  ]);
});
