/**
 * @module __tests__/storage/fs-multiprocess.test
 * Several Node processes race conditional writes on one filesystem repository: each round has
 * exactly one create-if-absent winner and exactly one if-match winner, and no read is torn.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";
import { isWhole, racePayload } from "../../../../test/support/fs-race-child.js";
import { makeTempDir } from "../../../../test/support/tmp.js";
import { localFilesystemStorage } from "../../src/storage/fs.js";
import { listKeys } from "./conformance.js";

const CHILD = resolve(import.meta.dirname, "../../../../test/support/fs-race-child.ts");
const N = 4;
const ROUNDS = 12;

function runChild(root: string, id: number): { done: Promise<string> } {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", CHILD, root, String(id), String(ROUNDS)],
    {
      cwd: resolve(import.meta.dirname, "../../../.."),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    err += d;
  });
  const done = new Promise<string>((res, rej) => {
    child.on("exit", (code) =>
      code === 0 ? res(out) : rej(new Error(`child ${id} exited ${code}: ${err}`)),
    );
  });
  return { done };
}

it("cross-process conditional writes have exactly one winner per round and no torn reads", async () => {
  const tmp = await makeTempDir("icechunk-fs-mp-");
  try {
    const root = join(tmp.dir, "repo");
    await mkdir(root);
    const s = localFilesystemStorage(root);
    const versions: Record<string, string> = {};
    for (let r = 0; r < ROUNDS; r++) {
      const w = await s.put(`update/r${r}`, racePayload(200, r));
      if (w.kind !== "written") throw new Error("setup");
      versions[`update/r${r}`] = w.version.etag!;
    }
    await writeFile(join(tmp.dir, "versions.json"), JSON.stringify(versions));
    const children = Array.from({ length: N }, (_, id) => runChild(root, id));
    while (
      !Array.from({ length: N }, (_, id) => existsSync(join(tmp.dir, `ready-${id}`))).every(Boolean)
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await writeFile(join(tmp.dir, "go"), "");
    const outputs = await Promise.all(children.map((c) => c.done));
    const reports = outputs.map(
      (o) =>
        JSON.parse(o.trim()) as {
          id: number;
          results: Array<{ round: number; create: string; update: string; torn: number }>;
        },
    );
    for (let r = 0; r < ROUNDS; r++) {
      const row = reports.map((rep) => ({ id: rep.id, ...rep.results[r]! }));
      const createWinners = row.filter((x) => x.create === "written");
      const updateWinners = row.filter((x) => x.update === "written");
      expect(createWinners, `round ${r} create`).toHaveLength(1);
      expect(updateWinners, `round ${r} update`).toHaveLength(1);
      expect(row.every((x) => x.torn === 0)).toBe(true);
      const created = await s.get(`create/r${r}`);
      expect(created?.data).toEqual(racePayload(createWinners[0]!.id, r));
      const updated = await s.get(`update/r${r}`);
      expect(updated?.data).toEqual(racePayload(updateWinners[0]!.id, r));
    }
    expect(isWhole((await s.get("torn/key"))?.data)).toBe(true);
    const leftovers = await listKeys(s, "");
    expect(leftovers.length).toBe(2 * ROUNDS + 1);
  } finally {
    await tmp.cleanup();
  }
});
