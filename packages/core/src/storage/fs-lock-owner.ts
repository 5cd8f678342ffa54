/**
 * @module storage/fs-lock-owner
 * Who holds a filesystem lock, and whether they still live. A lock file records its owner: pid,
 * hostname, the kernel's boot id, the pid namespace and the process start time (Linux
 * `/proc/<pid>/stat` field 22, ticks since boot), so a reused pid cannot pass for the owner. An
 * owner on this host (same hostname, boot and pid namespace) is dead when no process with that pid
 * and start time exists; anywhere else liveness is unknown and the caller falls back to the lock's
 * age.
 */
import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";

/** The owner record stored in a lock file (one JSON line). */
export interface LockOwner {
  pid: number;
  host: string;
  boot?: string;
  ns?: string;
  start?: string;
}

function tryRead(read: () => string): string | undefined {
  try {
    return read().trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Start time of process `pid` in clock ticks since boot (Linux), `undefined` when none. */
function processStart(pid: number | "self"): string | undefined {
  const stat = tryRead(() => readFileSync(`/proc/${pid}/stat`, "latin1"));
  if (!stat) return undefined;
  // "pid (comm) state ppid …": comm may hold spaces and parentheses; fields resume after the last ")"
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[19]; // field 22 of the whole line: starttime
}

let self: LockOwner | undefined;

/** This process as a lock owner. */
export function currentOwner(): LockOwner {
  if (self && self.pid === process.pid) return self;
  const boot = tryRead(() => readFileSync("/proc/sys/kernel/random/boot_id", "latin1"));
  const ns = tryRead(() => readlinkSync("/proc/self/ns/pid"));
  const start = processStart("self");
  self = {
    pid: process.pid,
    host: hostname(),
    ...(boot ? { boot } : {}),
    ...(ns ? { ns } : {}),
    ...(start ? { start } : {}),
  };
  return self;
}

/** Parses a lock file's content; `undefined` for anything that is not an owner record. */
export function parseOwner(text: string): LockOwner | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (typeof v.pid !== "number" || !Number.isInteger(v.pid) || v.pid <= 0) return undefined;
    if (typeof v.host !== "string") return undefined;
    const str = (x: unknown) => (typeof x === "string" ? x : undefined);
    return { pid: v.pid, host: v.host, boot: str(v.boot), ns: str(v.ns), start: str(v.start) };
  } catch {
    return undefined;
  }
}

/**
 * `false` when the owner certainly died (same host, boot and pid namespace, and no process with
 * its pid and start time), `true` when it certainly lives, `undefined` when this process cannot
 * tell (another host, boot or pid namespace, or an owner record without the needed fields).
 */
export function ownerAlive(owner: LockOwner | undefined): boolean | undefined {
  if (!owner) return undefined;
  const me = currentOwner();
  // another machine (or the same one before a reboot, or another container): cannot tell
  if (owner.host !== me.host || owner.boot !== me.boot || owner.ns !== me.ns) return undefined;
  if (owner.start !== undefined && me.start !== undefined)
    return processStart(owner.pid) === owner.start;
  if (owner.start !== undefined || me.start !== undefined) return undefined;
  try {
    process.kill(owner.pid, 0); // no start times on this platform: the pid alone decides
    return true;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "ESRCH") return false;
    return code === "EPERM" ? true : undefined;
  }
}
