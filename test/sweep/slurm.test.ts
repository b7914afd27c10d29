/**
 * The Slurm executor against a real single-node Slurm (munged, slurmctld,
 * slurmd started by the test): a 2 variants × 2 seeds sweep through
 * `sbatch --array`, one task cancelled mid-run with `scancel`, and the
 * resubmitted task resumes to the same fingerprints as an uninterrupted
 * local sweep. Skipped, with a message saying how to install Slurm, where it
 * is not installed.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { readManifest } from "../../src/rundir/index.js";
import { readSweepManifest } from "../../src/sweep/manifest.js";
import { planSweep } from "../../src/sweep/plan.js";
import { readRunState } from "../../src/sweep/run-state.js";
import { sbatchScript } from "../../src/sweep/slurm.js";
import { parseSpec } from "../../src/sweep/spec.js";
import { repronet, stderrLines } from "../helpers/cli.js";
import { type SlurmCluster, slurmUnavailable, startSlurm } from "../helpers/slurm-cluster.js";
import { runFingerprint, sleep, startCli, tinySpec, writeSpec } from "../helpers/sweep.js";

const work = mkdtempSync(join(tmpdir(), "repronet-sweep-slurm-"));
let cluster: SlurmCluster | null = null;
after(() => {
  cluster?.stop();
  rmSync(work, { recursive: true, force: true });
});

const skip = slurmUnavailable();
if (skip) console.log(`# ${skip}`);

const EPOCHS = 20;

test("the array script trains run i in task i with the given threads and turns SIGTERM into train's SIGINT", async () => {
  const spec = parseSpec(tinySpec(1, [1, 2]), join(work, "s.json"));
  const runs = await planSweep(spec, join(work, "plan"));
  const script = sbatchScript(join(work, "plan"), runs, 3);
  assert.match(script, /^#SBATCH --cpus-per-task=3$/m);
  assert.match(script, /^#SBATCH --output=.*\/plan\/slurm\/%A_%a\.out$/m);
  for (const [i, r] of runs.entries())
    assert.match(
      script,
      new RegExp(
        `^  ${i}\\) args=\\('train' .*'${r.dir}' .*'random_seed=${r.seed}'\\); log='${r.dir}\\.log' ;;$`,
        "m",
      ),
    );
  assert.match(script, /^trap 'kill -INT \$pid 2>\/dev\/null' TERM INT$/m);
  assert.match(script, / "\$\{args\[@\]\}" --threads 3 >>"\$log" 2>&1 &$/m);
});

test("without sbatch on the PATH the Slurm executor is a one-line error", () => {
  const r = spawnSync(
    process.execPath,
    [
      "bin/repronet.js",
      "sweep",
      writeSpec(work, tinySpec(1, [1]), "nosbatch.json"),
      "--out",
      join(work, "nosbatch"),
      "--executor",
      "slurm",
    ],
    {
      encoding: "utf8",
      env: { ...process.env, PATH: "/nonexistent" },
    },
  );
  assert.equal(r.status, 1);
  assert.deepEqual(stderrLines(r.stderr), [
    "error: sbatch not found: the Slurm executor needs the Slurm client tools on the PATH",
  ]);
});

test("a scancelled Slurm task is resubmitted and resumes to the fingerprint of an uninterrupted local run", {
  skip: skip ?? false,
  timeout: 120_000,
}, async () => {
  const spec = writeSpec(work, tinySpec(EPOCHS));
  const local = repronet(["sweep", spec, "--out", join(work, "local"), "--jobs", "2", "--threads", "1"]);
  assert.equal(local.code, 0, local.stderr);

  cluster = await startSlurm();
  const sweepDir = join(work, "slurm");
  const sweep = startCli(
    [
      "sweep",
      spec,
      "--out",
      sweepDir,
      "--executor",
      "slurm",
      "--threads",
      "1",
      "--poll-seconds",
      "1",
      "--slurm",
      "--time=10",
    ],
    cluster.env,
  );
  // Cancel the first task once its first checkpoint is surely written (epoch 2 scored), long before its last epoch.
  const victim = join(sweepDir, "base", "seed-1");
  let cancelled = false;
  for (let i = 0; i < 600 && !cancelled; i++) {
    await sleep(50);
    const job = readSweepManifest(sweepDir)?.slurm_jobs[0]?.job_id;
    const epoch = readRunState(victim).epoch;
    if (job && epoch >= 2 && epoch < EPOCHS) {
      execFileSync("scancel", [`${job}_0`], { env: cluster.env });
      cancelled = true;
    }
  }
  assert.ok(cancelled, "the first task was never seen mid-run");
  const r = await sweep.done;
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /Warning/);
  assert.match(r.stdout, /resubmitting base\/seed-1: task \d+_0 ended/);
  const m = readSweepManifest(sweepDir)!;
  assert.equal(m.slurm_jobs.length, 2, "one array job, then one resubmission");
  assert.deepEqual(m.slurm_jobs[1].runs, ["base/seed-1"]);
  const history = readManifest(victim)!.history;
  assert.equal(history.length, 2, "one cancelled invocation, then the resubmitted one");
  assert.notEqual(history[1].resumed_from, null, "the resubmitted task resumed from a checkpoint");
  for (const id of ["base/seed-1", "base/seed-2", "zero-eval/seed-1", "zero-eval/seed-2"]) {
    assert.equal(readRunState(join(sweepDir, id)).state, "finished", id);
    assert.equal(runFingerprint(join(sweepDir, id)), runFingerprint(join(work, "local", id)), id);
  }
});
