/**
 * @module test/support/crash-child
 * Child process of the crash test. Usage: `node --import tsx crash-child.ts <repo-dir>`.
 * Opens the local-filesystem repository (upgrading it first when it is spec 1, or finishing an
 * interrupted upgrade), prints `ready`, then does random operations until killed: commits that
 * overwrite chunks, amend, flush, branch create / delete / reset, tag create / delete, and
 * expire + GC. Before each operation it appends the operation's name to `<repo-dir>.ops`, so the
 * parent knows what a kill interrupted.
 */
import { appendFileSync } from "node:fs";
import { Repository, upgradeRepository } from "../../packages/core/src/index.js";
import { localFilesystemStorage } from "../../packages/core/src/storage/fs.js";
import { array, chunk } from "./ops-history.js";

async function main(): Promise<void> {
  const [dir] = process.argv.slice(2);
  if (!dir) throw new Error("usage: crash-child <repo-dir>");
  const random = Math.random;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const log = (op: string) => appendFileSync(`${dir}.ops`, `${op}\n`);
  const storage = localFilesystemStorage(dir);
  process.stdout.write("ready\n");
  let repo = await Repository.open(storage);
  const unfinished = repo.specVersion === 2 && (await storage.get("config.yaml")) !== undefined;
  if (repo.specVersion === 1 || unfinished) {
    log("migrate");
    repo = await upgradeRepository(repo).catch(async (e: unknown) => {
      if ((e as { kind?: string }).kind !== "invalid-input") throw e;
      return Repository.open(storage);
    });
  }
  const ops = ["commit", "commit", "commit", "branch", "tag", "amend", "flush", "expire+gc"];
  for (let i = 0; ; i++) {
    const op = pick(ops);
    log(op);
    const write = async () => {
      const s = await repo.writableSession("main");
      await s.store.set("a/zarr.json", array());
      await s.store.set(`a/c/${i % 2}/${pick([0, 1])}`, chunk(i & 0xff));
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
