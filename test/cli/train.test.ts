import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Command } from "commander";
import { registerFingerprint } from "../../src/cli/fingerprint.js";
import { buildProgram, main } from "../../src/cli/main.js";
import { registerTrain } from "../../src/cli/train.js";
import { ReproError } from "../../src/util/errors.js";
import { fakeConfig, fakeFactory } from "../train/fake-net.js";

const tmp = () => mkdtempSync(join(tmpdir(), "repronet-cli-"));

function configFile(
  config: Record<string, unknown> = fakeConfig({ num_epochs: 1 }),
  name = "cfg.json",
): string {
  const path = join(tmp(), name);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

async function cli(...args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const program = new Command("repronet").exitOverride();
  registerTrain(program, { buildNetwork: fakeFactory(), log: (l) => lines.push(l) });
  registerFingerprint(program, (l) => lines.push(l));
  await program.parseAsync(["node", "repronet", ...args]);
  return lines;
}

test("train CONFIG --out DIR trains, prints step lines and writes checkpoints and the manifest", async () => {
  const out = join(tmp(), "run");
  const lines = await cli("train", configFile(), "--out", out);
  assert.ok(lines.some((l) => l.startsWith("train epoch 1, step 0, cost:output ")));
  assert.ok(existsSync(join(out, "checkpoints", "epoch.001.safetensors")));
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
  // Default: every core (the JS kernels use one whatever the setting).
  assert.equal(manifest.threads, availableParallelism());
});

test("--set overrides config keys (values parsed as JSON) and --threads is recorded", async () => {
  const out = join(tmp(), "run");
  await cli(
    "train",
    configFile(),
    "--out",
    out,
    "--set",
    "num_epochs=2",
    "--set",
    "learning_rate=0.01",
    "--threads",
    "3",
  );
  assert.ok(existsSync(join(out, "checkpoints", "epoch.002.safetensors")));
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
  assert.equal(manifest.config.resolved.learning_rate, 0.01);
  assert.equal(manifest.threads, 3);
});

test("train then fingerprint: the last line is sha256 of the trained parameters", async () => {
  const out = join(tmp(), "run");
  await cli("train", configFile(), "--out", out);
  const lines = await cli("fingerprint", out);
  assert.match(lines[lines.length - 1], /^sha256:[0-9a-f]{64}$/);
});

test("--threads 1 and --threads 2 give the same fingerprint", async () => {
  const cfg = configFile();
  const fps: string[] = [];
  for (const n of ["1", "2"]) {
    const out = join(tmp(), "run");
    await cli("train", cfg, "--out", out, "--threads", n);
    fps.push((await cli("fingerprint", out)).pop()!);
  }
  assert.equal(fps[0], fps[1]);
});

const fails = async (re: RegExp, ...args: string[]) =>
  assert.rejects(
    cli(...args),
    (e: unknown) => e instanceof ReproError && re.test(e.message) && !e.message.includes("\n"),
  );

test("a malformed config is a one-line error naming the file and position", async () => {
  const path = join(tmp(), "bad.json");
  writeFileSync(path, '{"num_epochs": 1,,}');
  await fails(/bad\.json:1:\d+: invalid JSON/, "train", path, "--out", tmp());
});

test("an unknown config key is an error with a did-you-mean hint", async () => {
  await fails(
    /unknown config key "num_epoch" \(did you mean "num_epochs"\?\)/,
    "train",
    configFile(fakeConfig({ num_epoch: 1 })),
    "--out",
    tmp(),
  );
  await fails(
    /unknown config key "learning_rat"/,
    "train",
    configFile(),
    "--out",
    tmp(),
    "--set",
    "learning_rat=1",
  );
});

test("a missing config file is a one-line error", async () => {
  await fails(/nope\.json: no such file/, "train", join(tmp(), "nope.json"), "--out", tmp());
});

test("a bad --threads value is a one-line error", async () => {
  await fails(
    /--threads must be a positive integer, got "0"/,
    "train",
    configFile(),
    "--out",
    tmp(),
    "--threads",
    "0",
  );
});

test("a non-finite loss exits with a one-line error and no checkpoint of that epoch", async () => {
  const out = join(tmp(), "run");
  const lines: string[] = [];
  const program = new Command("repronet").exitOverride();
  registerTrain(program, { buildNetwork: fakeFactory({ nanFromStep: 0 }), log: (l) => lines.push(l) });
  await assert.rejects(
    program.parseAsync(["node", "repronet", "train", configFile(), "--out", out]),
    (e: unknown) => e instanceof ReproError && /^epoch 1, step 0: objective is NaN/.test(e.message),
  );
  assert.ok(!existsSync(join(out, "checkpoints", "epoch.001.safetensors")));
});

test("main() turns user errors into `error: ...` and a non-zero exit code", async () => {
  const writes: string[] = [];
  const orig = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => writes.push(s) > 0) as typeof process.stderr.write;
  try {
    const code = await main(["node", "repronet", "fingerprint", join(tmp(), "missing")]);
    assert.notEqual(code, 0);
  } finally {
    process.stderr.write = orig;
  }
  assert.equal(writes.length, 1);
  assert.match(writes[0], /^error: .*missing: no such file or directory\n$/);
});

test("the program registers the train and fingerprint commands", () => {
  const names = buildProgram().commands.map((c) => c.name());
  assert.ok(names.includes("train") && names.includes("fingerprint"));
});

test("Ctrl-C during train saves a checkpoint at the next step boundary and ends with exit code 130", async () => {
  const out = join(tmp(), "run");
  const listeners = process.listenerCount("SIGINT");
  const program = new Command("repronet").exitOverride();
  const stderr = process.stderr.write.bind(process.stderr);
  const notes: string[] = [];
  process.stderr.write = ((s: string) => notes.push(s) > 0) as typeof process.stderr.write;
  registerTrain(program, {
    buildNetwork: fakeFactory(),
    log: (l) => {
      if (l.startsWith("train epoch 1, step 1,")) process.emit("SIGINT");
    },
  });
  try {
    await assert.rejects(
      program.parseAsync([
        "node",
        "repronet",
        "train",
        configFile(fakeConfig({ num_epochs: 2 })),
        "--out",
        out,
      ]),
      (e: unknown) =>
        e instanceof ReproError &&
        e.exitCode === 130 &&
        /saved checkpoint epoch\.001\.step\.2;/.test(e.message),
    );
  } finally {
    process.stderr.write = stderr;
  }
  assert.deepEqual(notes, [
    "interrupt: saving a checkpoint at the next step boundary (a second signal quits at once)\n",
  ]);
  assert.ok(existsSync(join(out, "checkpoints", "epoch.001.step.2.safetensors")));
  assert.equal(process.listenerCount("SIGINT"), listeners);
});

test("--debug-grad and --compat returnn-seeding stand for their config keys, recorded in the manifest", async () => {
  const out = join(tmp(), "run");
  await cli("train", configFile(), "--out", out, "--debug-grad", "--compat", "returnn-seeding");
  const resolved = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).config.resolved;
  assert.equal(resolved.debug_grad, true);
  assert.equal(resolved.param_init_seeding, "returnn");
  assert.ok(readFileSync(join(out, "grads.jsonl"), "utf8").includes('"params":{'));
});

test("a bad --compat value is a one-line error", async () => {
  await fails(
    /--compat must be returnn-seeding, got "tf"/,
    "train",
    configFile(),
    "--out",
    tmp(),
    "--compat",
    "tf",
  );
});
