/**
 * The runnable examples work as documented: the demo, the HTTP reader (against a repo served on
 * 127.0.0.1) and the rolling forecast cube — whose result the official implementation reads back.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { startHttpServer } from "./support/http-server.js";
import { loadNativeOracle } from "./support/oracle.js";
import { makeTempDir } from "./support/tmp.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..");
const tsx = (script: string, ...args: string[]) =>
  run(
    join(ROOT, "node_modules/.bin/tsx"),
    ["--conditions=@icechunk-ts/source", join(ROOT, "examples", script), ...args],
    {
      cwd: ROOT,
      timeout: 120_000,
    },
  );

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe("examples", () => {
  it("demo.ts writes, branches, tags and time-travels; read-http.ts reads it over HTTP", async () => {
    const { dir, cleanup } = await makeTempDir();
    cleanups.push(cleanup);
    const demo = await tsx("demo.ts", join(dir, "repo"));
    expect(demo.stdout).toContain('{"branch":"warmer"} row 0: 99 99 99 99 16');
    expect(demo.stdout).toContain("branches: main, warmer; tags: v1");
    const server = await startHttpServer({ root: dir });
    try {
      const read = await tsx("read-http.ts", `${server.url}/repo`, "temperature", "warmer");
      expect(read.stdout).toContain("temperature: shape [6, 8], float32, min 16, max 99");
      expect(read.stdout).toContain("heat wave in the north-west");
    } finally {
      await server.close();
    }
  });

  it("rolling-forecast.ts keeps the last 15 days by shifting, and the official implementation agrees", async () => {
    const { dir, cleanup } = await makeTempDir();
    cleanups.push(cleanup);
    const repoDir = join(dir, "repo");
    const out = await tsx("rolling-forecast.ts", repoDir, "18");
    expect(out.stdout).toContain("window holds days 3..17 after 18 daily commits");
    expect(out.stdout).toContain("chunk files written: 18");
    const oracle = await loadNativeOracle();
    expect(oracle).toBeDefined();
    const theirs = await oracle!.Repository.open(await oracle!.Storage.newLocalFilesystem(repoDir));
    const session = await theirs.readonlySession({ branch: "main" });
    const cube = await zarr.get(
      await zarr.open.v3(zarr.root(session.store as never).resolve("forecast"), { kind: "array" }),
    );
    const data = cube.data as Float32Array;
    const plane = 45 * 90;
    for (let slot = 0; slot < 15; slot++) {
      expect(data[slot * plane]).toBe((slot + 3) * 1000);
      expect(data[slot * plane + plane - 1]).toBe((slot + 3) * 1000 + plane - 1);
    }
    expect((await theirs.ancestry({ branch: "main" })).length).toBe(19);
  });
});
