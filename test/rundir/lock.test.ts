import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { acquireLock, readLock } from "../../src/rundir/index.js";

const tmp = () => mkdtempSync(join(tmpdir(), "repronet-lock-"));
/** A pid that certainly ran and is gone: a child that exited. */
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid!;

test("the lock holds pid, host and start time, and goes on release", () => {
  const dir = tmp();
  const lock = acquireLock(dir, new Date("2026-01-02T03:04:05Z"));
  assert.deepEqual(readLock(dir), {
    pid: process.pid,
    host: hostname(),
    started_at: "2026-01-02T03:04:05.000Z",
  });
  assert.equal(lock.note, null);
  lock.release();
  assert.equal(existsSync(join(dir, ".lock")), false);
});

test("a second writer fails at once, naming the holder", () => {
  const dir = tmp();
  writeFileSync(
    join(dir, ".lock"),
    JSON.stringify({ pid: process.ppid, host: hostname(), started_at: "T0" }),
  );
  assert.throws(
    () => acquireLock(dir),
    new RegExp(`^ReproError: ${dir} is being trained by pid ${process.ppid} since T0$`),
  );
});

test("a lock of a dead pid on this host is taken over with a note", () => {
  const dir = tmp();
  const pid = deadPid();
  writeFileSync(join(dir, ".lock"), JSON.stringify({ pid, host: hostname(), started_at: "T0" }));
  const lock = acquireLock(dir);
  assert.match(
    lock.note ?? "",
    new RegExp(`took over the lock of pid ${pid} \\(started T0\\), which no longer runs`),
  );
  assert.equal((readLock(dir) as { pid: number }).pid, process.pid);
  lock.release();
});

test("a lock from another host is never taken over", () => {
  const dir = tmp();
  writeFileSync(join(dir, ".lock"), JSON.stringify({ pid: deadPid(), host: "elsewhere", started_at: "T0" }));
  assert.throws(() => acquireLock(dir), / on elsewhere since T0$/);
});

test("a file that is not a lock is an error, and is left alone", () => {
  const dir = tmp();
  writeFileSync(join(dir, ".lock"), "garbage");
  assert.throws(
    () => acquireLock(dir),
    /\.lock: not a lock file repronet wrote; remove it if no train runs on/,
  );
  assert.equal(readFileSync(join(dir, ".lock"), "utf8"), "garbage");
});

test("release never removes a lock another process took over", () => {
  const dir = tmp();
  const lock = acquireLock(dir);
  writeFileSync(join(dir, ".lock"), JSON.stringify({ pid: 1, host: hostname(), started_at: "T1" }));
  lock.release();
  assert.equal((readLock(dir) as { pid: number }).pid, 1);
});

test("a directory the lock created is removed on release when nothing else was written to it", () => {
  const dir = join(tmp(), "new", "run");
  acquireLock(dir).release();
  assert.equal(existsSync(dir), false);
  const kept = join(tmp(), "run");
  const lock = acquireLock(kept);
  writeFileSync(join(kept, "manifest.json"), "{}");
  lock.release();
  assert.ok(existsSync(join(kept, "manifest.json")));
});

test("a stale lock is not removed while another live process holds the takeover lock", () => {
  const dir = tmp();
  const stale = JSON.stringify({ pid: deadPid(), host: hostname(), started_at: "T0" });
  writeFileSync(join(dir, ".lock"), stale);
  writeFileSync(
    join(dir, ".lock.takeover"),
    JSON.stringify({ pid: process.ppid, host: hostname(), started_at: "T1" }),
  );
  assert.throws(
    () => acquireLock(dir),
    /another process is taking over the lock of pid \d+, which no longer runs/,
  );
  assert.equal(readFileSync(join(dir, ".lock"), "utf8"), stale);
});

test("a takeover lock left by a dead process is cleared, then the stale lock is taken over", () => {
  const dir = tmp();
  writeFileSync(join(dir, ".lock"), JSON.stringify({ pid: deadPid(), host: hostname(), started_at: "T0" }));
  writeFileSync(
    join(dir, ".lock.takeover"),
    JSON.stringify({ pid: deadPid(), host: hostname(), started_at: "T1" }),
  );
  const lock = acquireLock(dir);
  assert.match(lock.note ?? "", /took over the lock of pid/);
  assert.equal(existsSync(join(dir, ".lock.takeover")), false);
  lock.release();
});

test("of several processes that find the same stale lock at once, exactly one becomes the writer", async () => {
  const dir = tmp();
  writeFileSync(join(dir, ".lock"), JSON.stringify({ pid: deadPid(), host: hostname(), started_at: "T0" }));
  const lockModule = new URL("../../src/rundir/index.js", import.meta.url).href;
  // Each child tries at the same wall-clock moment; a winner holds the lock
  // until every child has tried (each leaves a marker), so a child that starts
  // late on a loaded machine cannot find the lock released and win a second time.
  const start = Date.now() + 400;
  const n = 6;
  const tried = mkdtempSync(join(tmpdir(), "repronet-tried-"));
  const script = `
    const { acquireLock } = await import(${JSON.stringify(lockModule)});
    const { readdirSync, writeFileSync } = await import("node:fs");
    while (Date.now() < ${start}) {}
    let lock = null;
    try { lock = acquireLock(${JSON.stringify(dir)}); console.log("won"); }
    catch (e) { console.log("lost: " + e.message); }
    writeFileSync(${JSON.stringify(tried)} + "/" + process.pid, "");
    const until = Date.now() + 60000;
    while (lock && readdirSync(${JSON.stringify(tried)}).length < ${n} && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    lock?.release();`;
  const children = Array.from(
    { length: n },
    () =>
      new Promise<string>((resolve) => {
        const c = spawn(process.execPath, ["--input-type=module", "-e", script]);
        let out = "";
        c.stdout.on("data", (d) => {
          out += d;
        });
        c.on("close", () => resolve(out.trim()));
      }),
  );
  const outcomes = await Promise.all(children);
  assert.equal(outcomes.filter((o) => o === "won").length, 1, outcomes.join("\n"));
  for (const o of outcomes.filter((x) => x !== "won"))
    assert.match(o, /^lost: .*(is being trained by pid|taking over)/);
});
