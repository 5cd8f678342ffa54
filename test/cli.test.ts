/**
 * The `icechunk-ts` command line on repositories the official implementation wrote (copies of
 * the reference fixtures), over a local HTTP server and on the S3 server: `--json` outputs equal
 * what the library returns, human outputs equal the library's text forms, exit codes (0 success,
 * 1 failed, 2 usage, 3 conflict, 4 not found), errors without stacks. Most runs are in-process
 * (`runCli`, the code the bin runs); a few run the bin itself on the sources with tsx.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { PassThrough } from "node:stream";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { ExitCode, runCli } from "@icechunk-ts/cli";
import { Repository, type Session, upgradeRepository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { startHttpServer, type TestHttpServer } from "./support/http-server.js";
import { type S3TestConfig, s3TestConfig } from "./support/s3-server.js";
import { copyFixture, makeTempDir } from "./support/tmp.js";

const ROOT = join(import.meta.dirname, "..");
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function fixture(name: string): Promise<string> {
  const f = await copyFixture(name);
  cleanups.push(f.cleanup);
  return f.dir;
}
const open = (dir: string) => Repository.open(localFilesystemStorage(dir));
/** A value as `--json` prints it. */
const json = (v: unknown) => JSON.parse(JSON.stringify(v));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** What progress bars drew. */
  progress: string;
}

async function cli(
  args: string[],
  opts: { isTTY?: boolean; env?: Record<string, string | undefined> } = {},
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  let progress = "";
  const stream = new PassThrough();
  stream.on("data", (d: Buffer) => {
    progress += d.toString();
  });
  const code = await runCli(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    stderrStream: stream,
    isTTY: opts.isTTY ?? false,
    env: opts.env ?? {},
  });
  return { code, stdout, stderr, progress };
}
const cliJson = async (args: string[]) => {
  const r = await cli([...args, "--json"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
};

/** The bin itself on the sources (tsx with the source condition), as a user runs it. */
function bin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      join(ROOT, "node_modules/.bin/tsx"),
      ["--conditions=@icechunk-ts/source", join(ROOT, "packages/cli/src/bin.ts"), ...args],
      { timeout: 120_000, env: { ...process.env, NO_COLOR: "1" } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function arrayValues(session: Session, path: string) {
  const arr = await zarr.open.v3(zarr.root(new IcechunkStore(session)).resolve(path), {
    kind: "array",
  });
  return zarr.get(arr);
}

describe("read commands on a repository the official implementation wrote (spec 2)", () => {
  let dir: string;
  let repo: Repository;
  beforeAll(async () => {
    dir = await fixture("test-repo-v2");
    repo = await open(dir);
  });

  it("branches and tags --json: each ref with its snapshot id, as the library looks them up", async () => {
    const branches = await repo.listBranches();
    expect(await cliJson(["branches", dir])).toEqual(
      Object.fromEntries(
        await Promise.all(branches.map(async (b) => [b, await repo.lookupBranch(b)])),
      ),
    );
    const tags = await repo.listTags();
    expect(tags.length).toBeGreaterThan(0);
    expect(await cliJson(["tags", dir])).toEqual(
      Object.fromEntries(await Promise.all(tags.map(async (t) => [t, await repo.lookupTag(t)]))),
    );
    const human = await cli(["branches", dir]);
    expect(human.stdout).toMatch(new RegExp(`^main +${await repo.lookupBranch("main")}$`, "m"));
  });

  it("log: the library's ancestry graph (text without colours off a terminal; nodes as JSON)", async () => {
    const graph = await repo.ancestryGraph({ plain: true });
    expect((await cli(["log", dir])).stdout).toBe(String(graph));
    expect((await cli(["log", dir, "--plain"], { isTTY: true })).stdout).toBe(String(graph));
    // on a terminal: colours
    const coloured = await cli(["log", dir], { isTTY: true });
    expect(coloured.stdout).toBe(String(await repo.ancestryGraph()));
    expect(coloured.stdout).toContain("\x1b[");
    expect(await cliJson(["log", dir])).toEqual(json(graph.nodes));
    const tag = (await repo.listTags())[0]!;
    expect(await cliJson(["log", dir, "--tag", tag])).toEqual(
      json((await repo.ancestryGraph({ tag, plain: true })).nodes),
    );
    expect(await cliJson(["log", dir, "--branch", "my-branch"])).toEqual(
      json((await repo.ancestryGraph({ branch: "my-branch", plain: true })).nodes),
    );
  });

  it("ls: every node with kind, shape, data type and chunks written", async () => {
    const session = await repo.readonlySession({ branch: "main" });
    const rows = await cliJson(["ls", dir]);
    const nodes = session.listNodes();
    expect(rows.map((r: { path: string }) => r.path)).toEqual(nodes.map((n) => n.path));
    for (const [i, n] of nodes.entries()) {
      const row = rows[i];
      expect(row.kind).toBe(n.kind);
      if (n.kind !== "array") continue;
      const meta = JSON.parse(new TextDecoder().decode(n.userData));
      expect(row.shape).toEqual(meta.shape);
      expect(row.dataType).toEqual(meta.data_type);
      expect(row.chunkShape).toEqual(meta.chunk_grid.configuration.chunk_shape);
      expect(row.chunks).toBe((await session.store.chunkCoordinates(n.path.slice(1))).length);
      expect(row.chunks).toBeGreaterThan(0);
    }
    const sub = await cliJson(["ls", dir, "group1", "--tag", "it works!"]);
    const tagged = await repo.readonlySession({ tag: "it works!" });
    expect(sub.map((r: { path: string }) => r.path)).toEqual(
      tagged.listNodes("/group1").map((n) => n.path),
    );
    const text = (await cli(["ls", dir])).stdout;
    expect(text).toMatch(/^KIND +PATH +SHAPE +DTYPE +CHUNKS$/m);
    expect(text).toMatch(/^array +\/group1\/big_chunks +10×10 +float32 +4$/m);
  });

  it("show: zarr.json, attributes and chunk statistics (written, grid, bytes as getsize reports)", async () => {
    const session = await repo.readonlySession({ branch: "main" });
    const node = session.getNode("/group1/small_chunks")!;
    const meta = JSON.parse(new TextDecoder().decode(node.userData));
    const shown = await cliJson(["show", dir, "/group1/small_chunks"]);
    expect(shown.zarrJson).toEqual(meta);
    expect(shown.attributes).toEqual(meta.attributes ?? {});
    const coords = await session.store.chunkCoordinates("group1/small_chunks");
    let bytes = 0;
    for (const c of coords)
      bytes += await session.store.getsize(`group1/small_chunks/c/${c.join("/")}`);
    expect(shown.chunks).toEqual({ written: coords.length, gridChunks: 5, bytes });
    const group = await cliJson(["show", dir, "group1"]);
    expect(group).toMatchObject({ kind: "group", attributes: { this: "is a nice group" } });
    expect(group.chunks).toBeUndefined();
  });

  it("cat: values as zarrita reads them (JSON, CSV, table, slices)", async () => {
    const session = await repo.readonlySession({ branch: "main" });
    const whole = await arrayValues(session, "/group1/small_chunks");
    const values = Array.from(whole.data as Int8Array);
    const got = await cliJson(["cat", dir, "group1/small_chunks"]);
    expect(got).toMatchObject({ shape: whole.shape, dataType: "int8" });
    expect(got.data).toEqual(values);
    const csv = (await cli(["cat", dir, "group1/small_chunks", "--csv"])).stdout;
    expect(csv).toBe(`${["dim_0,value", ...values.map((v, i) => `${i},${v}`)].join("\n")}\n`);
    const sliced = await cliJson(["cat", dir, "group1/small_chunks", "--slice", "1:4:2"]);
    expect(sliced.data).toEqual([values[1], values[3]]);
    expect((await cliJson(["cat", dir, "group1/small_chunks", "--slice", "-1"])).data).toBe(
      values[4],
    );
    // the virtual chunk's container is not authorized: the library's message and the flag to pass
    const virtual = await cli(["cat", dir, "group1/big_chunks", "--slice", "0:5,0:5"]);
    expect(virtual.code).toBe(ExitCode.Failed);
    expect(virtual.stderr).toMatch(
      /unauthorized-virtual-chunk-container.*--virtual-access s3:\/\/testbucket\/\)\n$/,
    );
    // a 2-D region without the virtual chunk: a matrix
    const arr = await zarr.open.v3(
      zarr.root(new IcechunkStore(session)).resolve("/group1/big_chunks"),
      { kind: "array" },
    );
    const region = await zarr.get(arr, [zarr.slice(5, 7), zarr.slice(6, 9)]);
    const m = await cliJson(["cat", dir, "group1/big_chunks", "--slice", "5:7,6:9"]);
    expect(m.shape).toEqual([2, 3]);
    expect(m.data.flat()).toEqual(Array.from(region.data as Float32Array));
    const table = (await cli(["cat", dir, "group1/big_chunks", "--slice", "5:7,6:9"])).stdout;
    expect(table.trimEnd().split("\n")).toHaveLength(3);
  });

  it("diff: upstream's text form and the Diff's fields", async () => {
    const [from, to] = [{ tag: "it works!" }, { branch: "my-branch" }];
    const d = await repo.diff({ from, to });
    expect(await cliJson(["diff", dir, "tag:it works!", "branch:my-branch"])).toEqual(json(d));
    expect((await cli(["diff", dir, "it works!", "my-branch"])).stdout).toBe(
      `${String(d)}${String(d).endsWith("\n") ? "" : "\n"}`,
    );
    const [a, b] = [await repo.lookupTag("it works!"), await repo.lookupBranch("my-branch")];
    expect(await cliJson(["diff", dir, a, `snapshot:${b}`])).toEqual(json(d));
    const reversed = await cli(["diff", dir, "my-branch", "tag:it works!"]);
    expect(reversed.code).toBe(ExitCode.Failed);
    expect(reversed.stderr).toMatch(/bad-snapshot-chain-for-diff/);
  });

  it("status, flags, metadata, inspect and stats --json equal the library", async () => {
    expect(await cliJson(["status", dir])).toEqual(json(await repo.getStatus()));
    expect(await cliJson(["flags", dir])).toEqual(json(await repo.featureFlags()));
    expect(await cliJson(["metadata", dir])).toEqual(json(await repo.getMetadata()));
    const id = await repo.lookupBranch("main");
    expect(await cliJson(["inspect", dir, "repo"])).toEqual(json(await repo.inspectRepoInfo()));
    const snap = await repo.inspectSnapshot(id);
    expect(await cliJson(["inspect", dir, "snapshot", id])).toEqual(json(snap));
    const manifest = snap.manifests[0]!.id;
    expect(await cliJson(["inspect", dir, "manifest", manifest])).toEqual(
      json(await repo.inspectManifest(manifest)),
    );
    expect(await cliJson(["inspect", dir, "txlog", id])).toEqual(
      json(await repo.inspectTransactionLog(id)),
    );
    const manifests = await Promise.all(snap.manifests.map((m) => repo.inspectManifest(m.id)));
    const sum = (f: (m: (typeof manifests)[number]) => number) =>
      manifests.reduce((a, m) => a + f(m), 0);
    expect(await cliJson(["stats", dir])).toEqual({
      snapshotId: id,
      manifests: snap.manifests.length,
      manifestBytes: snap.manifests.reduce((a, m) => a + m.size_bytes, 0),
      arrays: 2,
      chunkRefs: sum((m) => m.total_chunk_refs),
      nativeChunkRefs: sum((m) => m.total_native),
      inlineChunkRefs: sum((m) => m.total_inline),
      virtualChunkRefs: sum((m) => m.total_virtual),
      storage: json(await repo.chunkStorageStats()),
    });
  });

  it("progress bars only when stdout is a terminal, never with --json or --no-progress", async () => {
    const tty = await cli(["ls", dir], { isTTY: true });
    expect(tty.code).toBe(0);
    expect(tty.progress).toContain("counting chunks");
    expect(tty.stdout).not.toContain("counting chunks");
    // the library's own progress reports (gc: one "delete" step per object kind) drive a bar too
    const gc = await cli(["gc", dir, "--older-than", "2000-01-01", "--dry-run"], { isTTY: true });
    expect(gc.code).toBe(0);
    expect(gc.progress).toContain("delete");
    expect((await cli(["gc", dir, "--older-than", "2000-01-01", "--dry-run"])).progress).toBe("");
    for (const run of [
      await cli(["ls", dir]),
      await cli(["ls", dir, "--json"], { isTTY: true }),
      await cli(["ls", dir, "--no-progress"], { isTTY: true }),
    ])
      expect(run.progress).toBe("");
  });
});

describe("virtual chunks", () => {
  it("cat reads them only from containers given with --virtual-access", async () => {
    const tmp = await makeTempDir("icechunk-cli-virtual-");
    cleanups.push(tmp.cleanup);
    const blob = Uint8Array.from({ length: 64 }, (_, i) => (i * 7) % 256);
    await writeFile(join(tmp.dir, "blob.bin"), blob);
    const prefix = `file://${tmp.dir}/`;
    const dir = join(tmp.dir, "repo");
    await Repository.create(localFilesystemStorage(dir), {
      config: {
        virtualChunkContainers: {
          [prefix]: { urlPrefix: prefix, store: { type: "LocalFileSystem", field0: tmp.dir } },
        },
      },
    });
    const repo = await Repository.open(localFilesystemStorage(dir));
    const s = await repo.writableSession("main");
    const meta = {
      zarr_format: 3,
      node_type: "array",
      shape: [8],
      data_type: "uint8",
      chunk_grid: { name: "regular", configuration: { chunk_shape: [4] } },
      chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
      fill_value: 0,
      codecs: [{ name: "bytes" }],
    };
    await s.store.set("v/zarr.json", new TextEncoder().encode(JSON.stringify(meta)));
    await s.store.setVirtualRef("v/c/0", `${prefix}blob.bin`, 10, 4);
    await s.store.setVirtualRef("v/c/1", `${prefix}blob.bin`, 40, 4);
    await s.commit("virtual");
    const refused = await cli(["cat", dir, "v"]);
    expect(refused.code).toBe(ExitCode.Failed);
    expect(refused.stderr).toContain(`(on the command line: --virtual-access ${prefix})`);
    const got = await cliJson(["cat", dir, "v", "--virtual-access", prefix]);
    expect(got.data).toEqual([...blob.subarray(10, 14), ...blob.subarray(40, 44)]);
    const stats = await cliJson(["stats", dir]);
    expect(stats).toMatchObject({ chunkRefs: 2, virtualChunkRefs: 2, nativeChunkRefs: 0 });
  });
});

describe("errors and exit codes", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fixture("test-repo-v2");
  });
  const noStack = (r: Run) => {
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  };

  it("not found: repository, branch, tag, snapshot, node → 4 with the library's message", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["branches", join(dir, "nope")], /repository-not-found.*no Icechunk repository found/],
      [["ls", dir, "--branch", "nope"], /ref-not-found.*branch 'nope' not found/],
      [["log", dir, "--tag", "nope"], /ref-not-found.*tag 'nope' not found/],
      [["ls", dir, "--snapshot", "AAAAAAAAAAAAAAAAAAAA"], /snapshot-not-found/],
      [["show", dir, "/no/such"], /node-not-found/],
      [["cat", dir, "group1"], /node-not-found.*group/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(" ")).toBe(ExitCode.NotFound);
      expect(r.stderr).toMatch(message);
      noStack(r);
    }
  });

  it("usage: unknown commands, missing arguments, bad flags, ids and slices → 2", async () => {
    const cases: string[][] = [
      ["bogus"],
      ["ls"],
      ["cat", dir],
      ["ls", dir, "--frobnicate"],
      ["ls", dir, "--branch", "main", "--tag", "x"],
      ["inspect", dir, "snapshot", "not-an-id"],
      ["inspect", dir, "thing"],
      ["inspect", dir, "snapshot"],
      ["cat", dir, "group1/small_chunks", "--slice", "0,0"],
      ["cat", dir, "group1/small_chunks", "--slice", "9"],
      ["cat", dir, "group1/small_chunks", "--slice", "a:b"],
      ["gc", dir],
      ["gc", dir, "--older-than", "yesterday-ish"],
    ];
    for (const args of cases) {
      const r = await cli(args);
      expect(r.code, args.join(" ")).toBe(ExitCode.Usage);
      expect(r.stderr, args.join(" ")).not.toBe("");
      expect(r.stdout).toBe("");
    }
  });

  it("--help on every command exits 0; --debug prints the stack", async () => {
    for (const args of [[], ["log"], ["cat"], ["branch"], ["branch", "reset"], ["tag", "create"]]) {
      const r = await cli([...args, "--help"]);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stdout).toContain("Usage: icechunk-ts");
    }
    expect((await cli(["--help"])).stdout).toContain("Exit codes: 0 success");
    expect((await cli(["help", "log"])).code).toBe(0);
    expect((await cli(["--version"])).stdout).toMatch(/^\d+\.\d+\.\d+/);
    // no command: help on stderr, a usage error
    for (const args of [[], ["branch"]]) {
      const bare = await cli(args);
      expect(bare.code).toBe(ExitCode.Usage);
      expect(bare.stderr).toContain("Usage: icechunk-ts");
    }
    const debug = await cli(["branches", join(dir, "nope"), "--debug"]);
    expect(debug.code).toBe(ExitCode.NotFound);
    expect(debug.stderr).toMatch(/RepositoryNotFoundError[\s\S]*\n\s+at /);
  });

  it("refs: create, reset, delete; conflicts → 3; failures → 1", async () => {
    const repo = await open(dir);
    const main = await repo.lookupBranch("main");
    const other = await repo.lookupBranch("my-branch");
    expect(await cliJson(["branch", "create", dir, "dev", "main"])).toEqual({
      branch: "dev",
      snapshotId: main,
    });
    expect(await repo.lookupBranch("dev")).toBe(main);
    const exists = await cli(["branch", "create", dir, "dev", other]);
    expect(exists.code).toBe(ExitCode.Conflict);
    expect(exists.stderr).toMatch(/ref-already-exists/);
    // reset only if still at --from
    const moved = await cli(["branch", "reset", dir, "dev", "my-branch", "--from", other]);
    expect(moved.code).toBe(ExitCode.Conflict);
    expect(moved.stderr).toMatch(/commit-conflict/);
    expect(await repo.lookupBranch("dev")).toBe(main);
    expect((await cli(["branch", "reset", dir, "dev", "my-branch", "--from", main])).code).toBe(0);
    expect(await repo.lookupBranch("dev")).toBe(other);
    expect((await cli(["tag", "create", dir, "v9", "dev"])).stdout).toBe(
      `created tag v9 at ${other}\n`,
    );
    expect(await repo.lookupTag("v9")).toBe(other);
    expect((await cli(["tag", "delete", dir, "v9"])).code).toBe(0);
    expect(await repo.listTags()).not.toContain("v9");
    expect((await cli(["branch", "delete", dir, "dev"])).code).toBe(0);
    expect(await repo.listBranches()).not.toContain("dev");
    const main2 = await cli(["branch", "delete", dir, "main"]);
    expect(main2.code).toBe(ExitCode.Failed);
    expect(main2.stderr).toMatch(/cannot-delete-main-branch.*'main' branch cannot be deleted/);
    expect((await cli(["branch", "delete", dir, "dev"])).code).toBe(ExitCode.NotFound);
  });
});

describe("maintenance on repositories the official implementation wrote", () => {
  it("expire and gc: the CLI's results equal the library's on an identical copy", async () => {
    const [mine, theirs] = [await fixture("test-repo-v2"), await fixture("test-repo-v2")];
    const cutoff = "2100-01-01T00:00:00Z";
    const dry = await cliJson(["gc", mine, "--older-than", cutoff, "--dry-run"]);
    const lib = await open(theirs);
    expect(dry).toEqual(json(await lib.garbageCollect(new Date(cutoff), { dryRun: true })));
    const released = await cliJson(["expire", mine, "--older-than", cutoff]);
    expect(released).toEqual(json(await lib.expireSnapshots(new Date(cutoff))));
    expect(released.length).toBeGreaterThan(0);
    const gc = await cliJson(["gc", mine, "--older-than", cutoff]);
    expect(gc).toEqual(json(await lib.garbageCollect(new Date(cutoff))));
    expect(gc.snapshots).toBeGreaterThan(0);
    expect((await cli(["expire", mine, "--older-than", "5d"])).stdout).toBe(
      "no snapshot expired\n",
    );
  });

  it("spec 1: status says it needs spec 2 (1); migrate --dry-run writes nothing; migrate upgrades", async () => {
    const dir = await fixture("test-repo-v1");
    const status = await cli(["status", dir]);
    expect(status.code).toBe(ExitCode.Failed);
    expect(status.stderr).toMatch(/spec-version-required.*needs an Icechunk spec 2 repository/);
    expect(await cliJson(["migrate", dir, "--dry-run"])).toEqual({
      dryRun: true,
      fromSpecVersion: 1,
      specVersion: 1,
    });
    expect((await open(dir)).specVersion).toBe(1);
    const before = await cliJson(["log", dir]);
    expect(await cliJson(["migrate", dir])).toEqual({
      dryRun: false,
      fromSpecVersion: 1,
      specVersion: 2,
    });
    expect((await open(dir)).specVersion).toBe(2);
    expect(await cliJson(["log", dir])).toEqual(before);
    const again = await cli(["migrate", dir]);
    expect(again.code).toBe(ExitCode.Failed);
    // the library upgraded an identical copy the same way
    const twin = await fixture("test-repo-v1");
    const upgraded = await upgradeRepository(await open(twin));
    expect(await cliJson(["branches", dir])).toEqual(
      Object.fromEntries(
        await Promise.all(
          (await upgraded.listBranches()).map(async (b) => [b, await upgraded.lookupBranch(b)]),
        ),
      ),
    );
  });
});

describe("over HTTP (read-only)", () => {
  let server: TestHttpServer;
  let dir: string;
  beforeAll(async () => {
    dir = await fixture("test-repo-v2");
    server = await startHttpServer({ root: dir });
    cleanups.push(() => server.close());
  });

  it("read commands print what they print locally; writes fail with the read-only message", async () => {
    for (const args of [["branches"], ["tags"], ["log"], ["ls"], ["stats"], ["inspect", "repo"]])
      expect(await cliJson([args[0]!, server.url, ...args.slice(1)]), args[0]).toEqual(
        await cliJson([args[0]!, dir, ...args.slice(1)]),
      );
    const write = await cli(["branch", "create", server.url, "x", "main"]);
    expect(write.code).toBe(ExitCode.Failed);
    expect(write.stderr).toMatch(/read-only/);
    expect((await cli(["branches", `${server.url}/nothing-here`])).code).toBe(ExitCode.NotFound);
  });
});

describe("on the S3 server", () => {
  let s3: S3TestConfig | undefined;
  let dir: string;
  beforeAll(async () => {
    s3 = await s3TestConfig({ name: "cli", publicRead: true });
    if (!s3) return;
    dir = await fixture("test-repo-v2");
    const files: string[] = [];
    const walk = async (d: string) => {
      for (const e of await readdir(d, { withFileTypes: true }))
        if (e.isDirectory()) await walk(join(d, e.name));
        else files.push(join(d, e.name));
    };
    await walk(dir);
    for (const f of files)
      await s3.client.send(
        new PutObjectCommand({
          Bucket: s3.bucket,
          Key: `repo/${relative(dir, f).split("\\").join("/")}`,
          Body: await readFile(f),
          ACL: "public-read",
        }),
      );
  });

  it("credentials and endpoint from the AWS environment variables, or --anonymous", async (ctx) => {
    if (!s3) return ctx.skip();
    const url = `s3://${s3.bucket}/repo`;
    const env = {
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      AWS_REGION: s3.region,
      AWS_ENDPOINT_URL_S3: s3.endpointUrl,
    };
    const local = await cliJson(["branches", dir]);
    const signed = await cli(["branches", url, "--allow-http", "--json"], { env });
    expect(signed.stderr).toBe("");
    expect(JSON.parse(signed.stdout)).toEqual(local);
    const anonymous = await cli([
      "ls",
      url,
      "--anonymous",
      "--allow-http",
      "--endpoint-url",
      s3.endpointUrl,
      "--region",
      s3.region,
      "--json",
    ]);
    expect(anonymous.stderr).toBe("");
    expect(JSON.parse(anonymous.stdout)).toEqual(await cliJson(["ls", dir]));
    // writes with credentials
    expect((await cli(["tag", "create", url, "on-s3", "main", "--allow-http"], { env })).code).toBe(
      0,
    );
    expect((await cliJson(["tags", dir]))["on-s3"]).toBeUndefined();
    const tags = JSON.parse((await cli(["tags", url, "--allow-http", "--json"], { env })).stdout);
    expect(tags["on-s3"]).toBe(local.main);
    // an http endpoint needs --allow-http
    const refused = await cli(["branches", url], { env });
    expect(refused.code).toBe(ExitCode.Failed);
    expect(refused.stderr).toMatch(/allowHttp/);
    expect(
      (await cli(["branches", `s3://${s3.bucket}/nothing`, "--allow-http"], { env })).code,
    ).toBe(ExitCode.NotFound);
  });
});

describe("the bin, run on the sources with tsx", () => {
  it("prints JSON, help and errors, with the documented exit codes", async () => {
    const dir = await fixture("test-repo-v2");
    const repo = await open(dir);
    const [branches, missing, usage, help] = await Promise.all([
      bin(["branches", dir, "--json"]),
      bin(["log", dir, "--branch", "nope"]),
      bin(["cat", dir]),
      bin(["--help"]),
    ]);
    expect(branches.code).toBe(0);
    expect(JSON.parse(branches.stdout)).toEqual({
      main: await repo.lookupBranch("main"),
      "my-branch": await repo.lookupBranch("my-branch"),
    });
    expect(missing.code).toBe(4);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toBe(
      "icechunk-ts: error [ref-not-found]: branch 'nope' not found; list the existing ones with listBranches()\n",
    );
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/missing required argument 'array'/);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Commands:[\s\S]*log[\s\S]*branch[\s\S]*Exit codes/);
  }, 180_000);

  it("draws a progress bar on a real terminal (util-linux script gives it a pty) and clears it", async (ctx) => {
    if (!existsSync("/usr/bin/script")) return ctx.skip();
    const dir = await fixture("test-repo-v2");
    const command = [
      join(ROOT, "node_modules/.bin/tsx"),
      "--conditions=@icechunk-ts/source",
      join(ROOT, "packages/cli/src/bin.ts"),
      "stats",
      dir,
    ]
      .map((a) => `'${a}'`)
      .join(" ");
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        "/usr/bin/script",
        ["-qc", command, "/dev/null"],
        { timeout: 120_000 },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      ),
    );
    expect(out).toContain("reading manifests [");
    expect(out).toContain("] 2/2");
    // cleared before the output
    expect(out).toContain("\x1b[2Ksnapshot    ");
  }, 180_000);
});
