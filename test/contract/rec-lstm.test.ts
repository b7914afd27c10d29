/**
 * Determinism contract for recurrent models: the LSTM attention fixture
 * (BLSTM encoder, LSTM decoder unit) trains to the same fingerprint in separate
 * processes with 1 and 2 kernel threads; and moving layers out of the
 * recurrent loop never changes the result.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { repronet } from "../helpers/cli.js";
import { type Config, trainedFingerprint as trainedInProcess, unitOf } from "../helpers/contract.js";

const work = mkdtempSync(join(tmpdir(), "repronet-rec-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** The fixture with the decoder LSTM reading prev:att: s and the attention run in the recurrent loop. */
function recurrentFixture(): string {
  const config = JSON.parse(readFileSync("test/fixtures/rec/lstm-attention.json", "utf8")) as Config;
  unitOf(config).s.from = ["target_embed", "prev:att"];
  const file = join(work, "recurrent.json");
  writeFileSync(file, JSON.stringify(config));
  return file;
}

function trainedFingerprint(config: string, out: string, threads: string): string {
  const dir = join(work, out);
  const t = repronet(["train", config, "--out", dir, "--threads", threads]);
  assert.equal(t.code, 0, t.stderr);
  const f = repronet(["fingerprint", dir]);
  assert.equal(f.code, 0, f.stderr);
  const last = f.stdout.trim().split("\n").at(-1)!;
  assert.match(last, /^sha256:[0-9a-f]{64}$/);
  return last;
}

test("an LSTM encoder-decoder trains to identical fingerprints in two processes with 1 and 2 threads", () => {
  const fixture = "test/fixtures/rec/lstm-attention.json";
  assert.equal(trainedFingerprint(fixture, "a", "1"), trainedFingerprint(fixture, "b", "2"));
});

test("a truly recurrent unit (step-by-step training) trains to identical fingerprints with 1 and 2 threads", () => {
  const fixture = recurrentFixture();
  assert.equal(trainedFingerprint(fixture, "c", "1"), trainedFingerprint(fixture, "d", "2"));
});

test("a unit whose recurrent part is trivial trains to the same fingerprint in the step loop as moved out", async () => {
  const withFeedback = (recurrent: boolean): Config => {
    const config = JSON.parse(readFileSync("test/fixtures/rec/lstm-attention.json", "utf8")) as Config;
    const unit = unitOf(config);
    // fb = s, but in one variant it also reads its own previous output (× 0), which puts it in the loop.
    unit.fb = recurrent
      ? {
          class: "eval",
          from: ["s", "prev:fb"],
          eval: "source(0) + 0.0 * source(1)",
          out_type: { shape: [16] },
        }
      : { class: "eval", from: ["s"], eval: "source(0)" };
    unit.readout.from = ["fb", "att"];
    return config;
  };
  assert.equal(await trainedInProcess(withFeedback(true)), await trainedInProcess(withFeedback(false)));
});
