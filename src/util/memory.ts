/**
 * The memory this process may use: the machine's, or less when a cgroup
 * (a container, a Slurm job) limits it, or what REPRONET_MEMORY_LIMIT says
 * (bytes; for tests, and for sharing a machine on purpose).
 */
import { readFileSync } from "node:fs";
import { totalmem } from "node:os";
import { ReproError } from "./errors.js";

export interface MemoryLimit {
  readonly bytes: number;
  /** Where the limit comes from, for messages. */
  readonly source: string;
}

/** cgroup v2, then v1: their limit files ("max" or a huge number when unlimited). */
const CGROUP_FILES = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"];

export function memoryLimit(env: NodeJS.ProcessEnv = process.env): MemoryLimit {
  const set = env.REPRONET_MEMORY_LIMIT;
  if (set !== undefined && set !== "") {
    const bytes = Number(set);
    if (!/^\d+$/.test(set.trim()) || !Number.isSafeInteger(bytes) || bytes < 1)
      throw new ReproError(`REPRONET_MEMORY_LIMIT must be a positive number of bytes, got "${set}"`);
    return { bytes, source: "REPRONET_MEMORY_LIMIT" };
  }
  const machine = { bytes: totalmem(), source: "the machine's memory" };
  const cgroup = cgroupLimit();
  return cgroup !== null && cgroup < machine.bytes
    ? { bytes: cgroup, source: "the cgroup's limit" }
    : machine;
}

function cgroupLimit(): number | null {
  for (const file of CGROUP_FILES) {
    let text: string;
    try {
      text = readFileSync(file, "utf8").trim();
    } catch {
      continue; // not this cgroup version, or not readable: no limit known
    }
    const bytes = Number(text);
    if (/^\d+$/.test(text) && Number.isFinite(bytes)) return bytes;
  }
  return null;
}

/** Bytes as gigabytes with one decimal (`31.2 GB`), as memory messages print them. */
export const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(1)} GB`;

/** Bytes in GB from 1 GB on, else in MB (`31.2 GB`, `12.5 MB`): estimates of any size stay readable. */
export const humanBytes = (bytes: number): string =>
  bytes >= 1e9 ? gb(bytes) : `${(bytes / 1e6).toFixed(1)} MB`;
