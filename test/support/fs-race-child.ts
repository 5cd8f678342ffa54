/**
 * @module test/support/fs-race-child
 * Child process for the cross-process filesystem race test. Usage:
 * `node --import tsx fs-race-child.ts <root> <id> <rounds>`. Waits for `<root>/../go`, then per
 * round races create-if-absent on `create/r<N>` and if-match (against the base etag the parent
 * wrote to `<root>/../versions.json`) on `update/r<N>`, overwrites `torn/key` unconditionally and
 * checks every read is a whole payload. Prints one JSON line with its results, then exits.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { localFilesystemStorage } from "../../packages/core/src/storage/fs.js";

/** 64 KiB payload filled with one byte value identifying writer and round. */
export function racePayload(id: number, round: number): Uint8Array {
  return new Uint8Array(65536).fill((id * 31 + round * 7 + 1) & 0xff);
}

/** True when `data` is a complete payload (right size, uniform bytes). */
export function isWhole(data: Uint8Array | undefined): boolean {
  if (data === undefined || data.length !== 65536) return false;
  const b = data[0];
  return data.every((x) => x === b);
}

async function main(): Promise<void> {
  const [root, idArg, roundsArg] = process.argv.slice(2);
  if (!root || !idArg || !roundsArg) throw new Error("usage: fs-race-child <root> <id> <rounds>");
  const id = Number(idArg);
  const rounds = Number(roundsArg);
  const base = dirname(root);
  const s = localFilesystemStorage(root, { lockTimeoutMs: 120_000 });
  writeFileSync(join(base, `ready-${id}`), "");
  while (!existsSync(join(base, "go"))) await new Promise((r) => setTimeout(r, 2));
  const versions = JSON.parse(readFileSync(join(base, "versions.json"), "utf8")) as Record<
    string,
    string
  >;
  const results: Array<{ round: number; create: string; update: string; torn: number }> = [];
  for (let r = 0; r < rounds; r++) {
    const mine = racePayload(id, r);
    const [create, update] = await Promise.all([
      s.put(`create/r${r}`, mine, { condition: { ifNoneMatch: "*" } }),
      s.put(`update/r${r}`, mine, { condition: { ifMatch: { etag: versions[`update/r${r}`] } } }),
      s.put("torn/key", mine),
    ]);
    let torn = 0;
    for (const key of [`create/r${r}`, `update/r${r}`, "torn/key", "torn/key"]) {
      if (!isWhole((await s.get(key))?.data)) torn += 1;
    }
    results.push({ round: r, create: create.kind, update: update.kind, torn });
  }
  process.stdout.write(`${JSON.stringify({ id, results })}\n`);
}

if (process.argv[1]?.endsWith("fs-race-child.ts")) {
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`${String(err?.stack ?? err)}\n`);
      process.exit(1);
    },
  );
}
