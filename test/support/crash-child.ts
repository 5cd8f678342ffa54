/**
 * @module test/support/crash-child
 * Child process of the crash test. Usage: `node --import tsx crash-child.ts <repo-dir>`.
 * Prints `loaded` and waits for a line on stdin, then opens the local-filesystem repository
 * (upgrading it first when it is spec 1, or finishing an interrupted upgrade) and does random
 * operations until killed: commits that
 * overwrite chunks, amend, flush, branch create / delete / reset, tag create / delete, and
 * expire + GC. Before each operation it appends the operation's name to `<repo-dir>.ops`, so the
 * parent knows what a kill interrupted.
 */
import { appendFileSync } from "node:fs";
import { upgradeRepository } from "../../packages/core/src/ops/migrate.js";
import { Repository } from "../../packages/core/src/repo/repository.js";
import { localFilesystemStorage } from "../../packages/core/src/storage/fs.js";
import { chunk } from "./zarr-json.js";

async function main(): Promise<void> {
  const [dir] = process.argv.slice(2);
  if (!dir) throw new Error("usage: crash-child <repo-dir>");
  const random = Math.random;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const log = (op: string) => appendFileSync(`${dir}.ops`, `${op}\n`);
  // loaded: wait for the parent's go (it starts the next child while it checks the last kill)
  process.stdout.write("loaded\n");
  await new Promise<void>((res) => process.stdin.once("data", () => res()));
  const storage = localFilesystemStorage(dir);
  let repo = await Repository.open(storage);
  const unfinished = repo.specVersion === 2 && (await storage.get("config.yaml")) !== undefined;
  if (repo.specVersion === 1 || unfinished) {
    log("migrate");
    repo = await upgradeRepository(repo).catch(async (e: unknown) => {
      if ((e as { kind?: string }).kind !== "spec-version-required") throw e;
      return Repository.open(storage);
    });
  }
  const ops = ["commit", "commit", "commit", "branch", "tag", "amend", "flush", "expire+gc"];
  for (let i = 0; ; i++) {
    const op = pick(ops);
    log(op);
    const write = async () => {
      const s = await repo.writableSession("main");
      // 1 KiB: a native chunk object (the array `a` comes with the repository)
      await s.store.set(`a/c/${i % 2}/${pick([0, 1])}`, chunk(i & 0xff, 1024));
      return s;
    };
    if (op === "commit") await (await write()).commit(`commit ${i}`);
    else if (op === "amend" && repo.specVersion === 2) await (await write()).amend(`amend ${i}`);
    else if (op === "flush") await (await write()).flush(`flush ${i}`);
    else if (op === "branch") {
      const name = pick(["b1", "b2", "b3"]);
      const exists = (await repo.listBranches()).includes(name);
      const tip = await repo.lookupBranch("main");
      if (!exists) await repo.createBranch(name, tip);
      else if (random() < 0.5) await repo.resetBranch(name, tip);
      else await repo.deleteBranch(name);
    } else if (op === "tag") {
      const tags = await repo.listTags();
      if (tags.length > 2 && random() < 0.5) await repo.deleteTag(pick(tags));
      else
        await repo.createTag(
          `t${i}-${Math.floor(random() * 1e9)}`,
          await repo.lookupBranch("main"),
        );
    } else if (op === "expire+gc") {
      await repo.expireSnapshots(new Date(Date.now() - 200));
      await repo.garbageCollect(new Date());
    }
    repo = await Repository.open(storage);
  }
}

if (process.argv[1]?.endsWith("crash-child.ts")) {
  main().catch((err) => {
    process.stderr.write(`${String(err?.stack ?? err)}\n`);
    process.exit(1);
  });
}
