/** Faults: corrupt, missing or foreign files of every kind in a run directory. */
import assert from "node:assert/strict";
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  assertFails,
  assertKept,
  baseRun,
  CONFIG,
  outcomes,
  repronet,
  snapshot,
  tiny,
  work,
} from "./harness.js";

const copyOfBase = baseRun(2);
const ck = (out: string, name: string) => join(out, "checkpoints", name);
const P2 = "epoch.002.safetensors";
const S2 = "epoch.002.state.safetensors";

function flipByte(path: string, fromEnd = 5): void {
  const b = readFileSync(path);
  b[b.length - fromEnd] ^= 0x04;
  writeFileSync(path, b);
}

/** Ways to damage a file, and how a reader says so. */
const DAMAGE: [string, (path: string) => void, RegExp][] = [
  ["truncated", (p) => truncateSync(p, readFileSync(p).length - 100), /truncated|data|corrupt/],
  ["bit-flipped", (p) => flipByte(p), /corrupt \(the tensor data does not match its checksum\)/],
  ["empty", (p) => writeFileSync(p, ""), /truncated/],
];

describe("corrupt checkpoints", { concurrency: 3 }, () => {
  for (const [how, damage, says] of DAMAGE) {
    test(`a ${how} newest checkpoint: fingerprint, average and diff fail naming it`, async () => {
      const out = (await copyOfBase)();
      damage(ck(out, P2));
      const before = snapshot(out);
      const other = (await copyOfBase)();
      const file = ck(out, P2).replace(/[.]/g, "\\.");
      const [fp, fpFile, avg, diff] = await Promise.all([
        repronet(["fingerprint", out]),
        repronet(["fingerprint", ck(out, P2)]),
        repronet(["average", out, "--last", "2", "--out", join(work("avg"), "avg.safetensors")]),
        repronet(["diff", out, other]),
      ]);
      for (const r of [fp, fpFile, avg]) assertFails(r, new RegExp(`^error: ${file}: .*(${says.source})`));
      assertFails(diff, new RegExp(`^error: ${file}: .*(${says.source})`), 2);
      assertKept(before, out);
    });
  }

  // train reads every kind of damage through the same loader: one kind suffices here.
  test("a bit-flipped newest checkpoint: train resumes from the older one with a warning naming it", async () => {
    const [, damage, says] = DAMAGE[1];
    const out = (await copyOfBase)();
    damage(ck(out, P2));
    const r = await repronet(["train", CONFIG, "--out", out, ...tiny(3)]);
    assert.equal(r.code, 0, r.stderr);
    const skipped = new RegExp(`^warning: skipping checkpoint ${ck(out, P2)}: .*(${says.source})`, "m");
    assert.match(r.stdout, skipped);
    assert.match(
      r.stdout,
      new RegExp(`^warning: resuming from the older ${ck(out, "epoch.001.safetensors")}$`, "m"),
    );
  });

  test("a state file that belongs to another checkpoint is named", async () => {
    const out = (await copyOfBase)();
    copyFileSync(ck(out, "epoch.001.state.safetensors"), ck(out, S2));
    assertFails(await repronet(["fingerprint", out]), /epoch\.002\.state\.safetensors: does not belong to/);
  });

  test("a .broken checkpoint loads only with --allow-broken", async () => {
    const out = (await copyOfBase)();
    mkdirSync(join(out, "broken"));
    const broken = join(out, "broken", "epoch.002.broken.safetensors");
    copyFileSync(ck(out, P2), broken);
    assertFails(
      await repronet(["fingerprint", broken]),
      /a broken checkpoint .*pass --allow-broken to load it$/,
    );
    const allowed = await repronet(["fingerprint", broken, "--allow-broken"]);
    assert.equal(allowed.code, 0, allowed.stderr);
    const search = await repronet(["search", out, "--data", "dev", "--checkpoint", broken]);
    assertFails(search, /a broken checkpoint/);
  });
});

describe("corrupt or missing run files", { concurrency: 3 }, () => {
  const CASES: [string, (out: string) => void, RegExp][] = [
    [
      "a corrupt manifest",
      (o) => writeFileSync(join(o, "manifest.json"), '{"format": "repronet/man'),
      /manifest\.json: corrupt \(not JSON\)/,
    ],
    [
      "a deleted manifest",
      (o) => rmSync(join(o, "manifest.json")),
      /manifest\.json: missing, but the run has checkpoints/,
    ],
    [
      "a corrupt learning-rate file",
      (o) => writeFileSync(join(o, "learning_rates.json"), "[1,"),
      /learning_rates\.json: corrupt \(not JSON\)/,
    ],
    [
      "a deleted learning-rate file",
      (o) => rmSync(join(o, "learning_rates.json")),
      /learning_rates\.json: missing, but the run has finished epochs/,
    ],
  ];
  for (const [what, damage, says] of CASES) {
    test(`${what} is an error unless --repair, which says what it rebuilt`, async () => {
      const out = (await copyOfBase)();
      damage(out);
      const before = snapshot(out);
      const refused = await repronet(["train", CONFIG, "--out", out, ...tiny(3)]);
      assertFails(refused, new RegExp(`^error: ${out}/${says.source}.*; rerun with --repair to rebuild it`));
      assertKept(before, out);
      assert.equal(snapshot(out).size, before.size);
      const repaired = await repronet(["train", CONFIG, "--out", out, ...tiny(3), "--repair"]);
      assert.equal(repaired.code, 0, repaired.stderr);
      assert.match(repaired.stdout, new RegExp(`^repair: ${out}/${says.source}.*: rebuilt from`, "m"));
      assert.equal(outcomes(out).at(-1), "finished");
    });
  }

  test("a config that differs in what affects training is refused, naming the difference; --force-config continues", async () => {
    const out = (await copyOfBase)();
    const before = snapshot(out);
    const refused = await repronet(["train", CONFIG, "--out", out, ...tiny(3, "learning_rate=0.5")]);
    assertFails(
      refused,
      /differs from the config .* was trained with: learning_rate 0\.001 → 0\.5; use --force-config/,
    );
    assertKept(before, out);
    assert.equal(snapshot(out).size, before.size);
    const forced = await repronet([
      "train",
      CONFIG,
      "--out",
      out,
      ...tiny(3, "learning_rate=0.5"),
      "--force-config",
    ]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /^note: resuming with changes .*learning_rate 0\.001 → 0\.5/m);
  });

  test("nothing to do with a changed config is refused too, and the recorded config is kept", async () => {
    const out = (await copyOfBase)();
    const manifest = readFileSync(join(out, "manifest.json"));
    const r = await repronet(["train", CONFIG, "--out", out, ...tiny(2, "random_seed=8")]);
    assertFails(r, /random_seed 7, the config says 8|random_seed 7 → 8/);
    assert.deepEqual(readFileSync(join(out, "manifest.json")), manifest);
  });

  test("a train.jsonl line cut by a crash is dropped on resume", async () => {
    const out = (await copyOfBase)();
    appendFileSync(join(out, "train.jsonl"), '{"epoch":3,"step":0,"glo');
    const r = await repronet(["train", CONFIG, "--out", out, ...tiny(3)]);
    assert.equal(r.code, 0, r.stderr);
    const lines = readFileSync(join(out, "train.jsonl"), "utf8").trimEnd().split("\n");
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).global_step),
      lines.map((_, i) => i),
    );
  });

  test("a lock file that is not one is an error naming it", async () => {
    const out = (await copyOfBase)();
    writeFileSync(join(out, ".lock"), "");
    assertFails(
      await repronet(["train", CONFIG, "--out", out, ...tiny(3)]),
      /\.lock: not a lock file repronet wrote/,
    );
  });
});
