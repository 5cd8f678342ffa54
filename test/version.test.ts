/**
 * One source for the version: each package's package.json. The generated version modules, the
 * implementation name written into every file header and the S3 user agent all follow it, and
 * changesets keeps the packages on one version (a fixed group).
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { inMemoryStorage, Repository } from "@icechunk-ts/core";
import { VERSION as S3_VERSION, USER_AGENT } from "@icechunk-ts/s3";
import { describe, expect, it } from "vitest";
import { IMPLEMENTATION_NAME } from "../packages/core/src/format/constants.js";
import { parseHeader } from "../packages/core/src/format/header.js";
import { VERSION as CORE_VERSION } from "../packages/core/src/version.js";

const ROOT = join(import.meta.dirname, "..");
const PACKAGES = ["core", "zarrita", "s3", "cli", "azure"];
const pkg = (name: string) =>
  JSON.parse(readFileSync(join(ROOT, "packages", name, "package.json"), "utf8")) as {
    name: string;
    version: string;
  };

describe("version", () => {
  it("the generated version modules equal package.json (sync-version --check agrees)", async () => {
    expect(CORE_VERSION).toBe(pkg("core").version);
    expect(S3_VERSION).toBe(pkg("s3").version);
    await expect(
      promisify(execFile)(process.execPath, [join(ROOT, "scripts/sync-version.mjs"), "--check"]),
    ).resolves.toBeDefined();
  });

  it("the packages share one version, kept together by changesets", () => {
    const versions = new Set(PACKAGES.map((name) => pkg(name).version));
    expect(versions.size).toBe(1);
    const config = JSON.parse(readFileSync(join(ROOT, ".changeset/config.json"), "utf8")) as {
      fixed: string[][];
    };
    expect(config.fixed).toContainEqual(PACKAGES.map((name) => pkg(name).name));
  });

  it("file headers name the implementation icts-<version>, and S3 sends icechunk-ts/<version>", async () => {
    const version = pkg("core").version;
    expect(IMPLEMENTATION_NAME).toBe(`icts-${version}`);
    expect(new TextEncoder().encode(IMPLEMENTATION_NAME).length).toBeLessThanOrEqual(24);
    expect(USER_AGENT).toBe(`icechunk-ts/${pkg("s3").version}`);

    const storage = inMemoryStorage();
    const repo = await Repository.create(storage);
    const session = await repo.writableSession("main");
    await session.store.set(
      "zarr.json",
      new TextEncoder().encode('{"zarr_format":3,"node_type":"group"}'),
    );
    await session.commit("one");
    const headers = [];
    for await (const entry of storage.list("snapshots")) {
      const got = await storage.get(`snapshots/${entry.key}`);
      headers.push(parseHeader(got!.data).implementation);
    }
    expect(headers.length).toBeGreaterThan(0);
    expect(new Set(headers)).toEqual(new Set([`icts-${version}`]));
  });
});
