/**
 * Starts a private Redis server (Debian's `redis-server`) on a free 127.0.0.1 port, without
 * persistence (`--save "" --appendonly no`) in a temporary directory, for the example and its test;
 * `stop()` shuts it down and removes the directory.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running Redis server. */
export interface RedisServer {
  host: string;
  port: number;
  /** Shuts the server down (SIGTERM, then SIGKILL after 5 s) and removes its directory. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (as the OS hands one out; free until someone else takes it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Starts `redis-server` (it must be on PATH: `apt-get install redis-server`); resolves once it accepts connections. */
export async function startRedis(
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), "icechunk-redis-"));
  const port = await freePort();
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited(child);
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  let output = "";
  try {
    await new Promise<void>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? 20_000;
      const timer = setTimeout(
        () => reject(new Error(`redis-server did not start within ${timeoutMs} ms: ${output}`)),
        timeoutMs,
      );
      const done = (error?: Error): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = (): void => done(options.signal?.reason as Error);
      options.signal?.addEventListener("abort", onAbort);
      child.once("error", (e) =>
        done(new Error(`cannot run redis-server (apt-get install redis-server): ${e.message}`)),
      );
      child.once("exit", (code) => done(new Error(`redis-server exited (${code}): ${output}`)));
      child.stdout?.on("data", (b: Buffer) => {
        output += b.toString();
        if (output.includes("Ready to accept connections")) done();
      });
      child.stderr?.on("data", (b: Buffer) => {
        output += b.toString();
      });
    });
  } catch (e) {
    await stop();
    throw e;
  }
  child.stdout?.resume();
  return { host: "127.0.0.1", port, stop };
}
