/**
 * A real single-node Slurm for tests: munged, slurmctld and slurmd started as
 * root in a temporary directory with a minimal, cgroup-free `slurm.conf`
 * (localhost, no accounting storage, so `sacct` does not work), on random
 * ports. `SLURM_CONF` in `env` points the client tools at it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, hostname, tmpdir } from "node:os";
import { join } from "node:path";

const TOOLS = ["sbatch", "squeue", "scancel", "slurmctld", "slurmd", "munged", "mungekey"];
const INSTALL = "apt-get install -y slurmctld slurmd munge (Debian/Ubuntu; run as root)";

function onPath(tool: string): boolean {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin"];
  return dirs.some((d) => d !== "" && existsSync(join(d, tool)));
}

/** Why the Slurm test cannot run here (a message saying how to make it run), or null. */
export function slurmUnavailable(): string | null {
  const missing = TOOLS.filter((t) => !onPath(t));
  if (missing.length > 0)
    return `Slurm test skipped: ${missing.join(", ")} not found; install with: ${INSTALL}`;
  if (process.getuid?.() !== 0) return "Slurm test skipped: starting slurmd needs root";
  return null;
}

export interface SlurmCluster {
  dir: string;
  env: NodeJS.ProcessEnv;
  stop(): void;
}

const PATH = `${process.env.PATH ?? ""}:/usr/sbin:/sbin`;

export async function startSlurm(): Promise<SlurmCluster> {
  const dir = mkdtempSync(join(tmpdir(), "repronet-slurm-"));
  for (const d of ["state", "spool", "log"]) mkdirSync(join(dir, d));
  const env = { ...process.env, PATH, SLURM_CONF: join(dir, "slurm.conf") };
  const run = (cmd: string, args: string[]) =>
    execFileSync(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", timeout: 30_000 });
  const socket = join(dir, "munge.sock");
  const host = hostname().split(".")[0];
  const port = 20000 + Math.floor(Math.random() * 20000);
  run("mungekey", ["-c", "-k", join(dir, "munge.key")]);
  run("munged", [
    "-f",
    `--key-file=${join(dir, "munge.key")}`,
    `--socket=${socket}`,
    `--pid-file=${join(dir, "munged.pid")}`,
    `--log-file=${join(dir, "log", "munged.log")}`,
    `--seed-file=${join(dir, "munged.seed")}`,
  ]);
  writeFileSync(
    env.SLURM_CONF,
    [
      "ClusterName=repronet-test",
      `SlurmctldHost=${host}(127.0.0.1)`,
      `SlurmctldPort=${port}`,
      `SlurmdPort=${port + 1}`,
      "SlurmUser=root",
      "SlurmdUser=root",
      "AuthType=auth/munge",
      `AuthInfo=socket=${socket}`,
      "CredType=cred/munge",
      `StateSaveLocation=${join(dir, "state")}`,
      `SlurmdSpoolDir=${join(dir, "spool")}`,
      `SlurmctldPidFile=${join(dir, "slurmctld.pid")}`,
      `SlurmdPidFile=${join(dir, "slurmd.pid")}`,
      `SlurmctldLogFile=${join(dir, "log", "slurmctld.log")}`,
      `SlurmdLogFile=${join(dir, "log", "slurmd.log")}`,
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "JobAcctGatherType=jobacct_gather/none",
      "AccountingStorageType=accounting_storage/none",
      "SchedulerType=sched/backfill",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_Core",
      "ReturnToService=2",
      "MpiDefault=none",
      "InactiveLimit=0",
      "MinJobAge=30",
      "KillWait=5",
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${availableParallelism()} State=UNKNOWN`,
      `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
      "",
    ].join("\n"),
  );
  const stop = () => {
    for (const pidFile of ["slurmd.pid", "slurmctld.pid"]) {
      try {
        process.kill(Number(readFileSync(join(dir, pidFile), "utf8")), "SIGTERM");
      } catch {
        // not started, or already gone
      }
    }
    try {
      run("munged", ["-s", `--socket=${socket}`]);
    } catch {
      // not running
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run("slurmctld", ["-f", env.SLURM_CONF]);
    run("slurmd", ["-f", env.SLURM_CONF]);
    // Ready when the node reports idle.
    for (let i = 0; ; i++) {
      let state = "";
      try {
        state = run("sinfo", ["-h", "-o", "%T"]).trim();
      } catch {
        // controller not up yet
      }
      if (state === "idle") break;
      if (i >= 100) throw new Error(`Slurm did not come up (node state "${state}"; logs in ${dir}/log)`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (e) {
    stop();
    throw e;
  }
  return { dir, env, stop };
}
