/**
 * @module test/support/fs-lock-child
 * Child process that takes the filesystem backend's conditional-write lock and holds it. Usage:
 * `node --import tsx fs-lock-child.ts <target> <ready-file>`: acquires `<target>.lock`, writes
 * `<ready-file>`, then waits until killed.
 */
import { writeFileSync } from "node:fs";
import { withLock } from "../../packages/core/src/storage/fs-lock.js";

async function main(): Promise<void> {
  const [target, ready] = process.argv.slice(2);
  if (!target || !ready) throw new Error("usage: fs-lock-child <target> <ready-file>");
  await withLock(target, { staleMs: 30_000, timeoutMs: 30_000 }, async () => {
    writeFileSync(ready, String(process.pid));
    await new Promise(() => setInterval(() => {}, 1 << 30)); // hold until killed
  });
}

if (process.argv[1]?.endsWith("fs-lock-child.ts")) {
  main().catch((err) => {
    process.stderr.write(`${String(err?.stack ?? err)}\n`);
    process.exit(1);
  });
}
