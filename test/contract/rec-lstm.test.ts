/**
 * Determinism contract for recurrent models: the LSTM attention fixture
 * (BLSTM encoder, LSTM decoder unit) trains to the same fingerprint in separate
 * processes with 1 and 2 kernel threads.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { repronet } from "../helpers/cli.js";

const work = mkdtempSync(join(tmpdir(), "repronet-rec-"));
after(() => rmSync(work, { recursive: true, force: true }));

function trainedFingerprint(out: string, threads: string): string {
  const dir = join(work, out);
  const t = repronet(["train", "test/fixtures/rec/lstm-attention.json", "--out", dir, "--threads", threads]);
  assert.equal(t.code, 0, t.stderr);
  const f = repronet(["fingerprint", dir]);
  assert.equal(f.code, 0, f.stderr);
  const last = f.stdout.trim().split("\n").at(-1)!;
  assert.match(last, /^sha256:[0-9a-f]{64}$/);
  return last;
}

test("an LSTM encoder-decoder trains to identical fingerprints in two processes with 1 and 2 threads", () => {
  assert.equal(trainedFingerprint("a", "1"), trainedFingerprint("b", "2"));
});
