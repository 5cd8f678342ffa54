/**
 * What a web map or a notebook does: open an Icechunk repository over plain HTTP (a public bucket,
 * a CDN, any static file server — spec-2 repositories need no listing), pick a version, and read
 * an array through zarrita. The same code runs in a browser.
 * Run: pnpm tsx examples/read-http.ts [repo-url] [array-path] [branch]
 * Without a URL it writes a small demo repository and serves it on 127.0.0.1 itself
 * (`examples/serve.ts`); `pnpm tsx examples/serve.ts <directory>` serves any repository folder.
 */
import { httpStorage, Repository } from "@icechunk-ts/core";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import * as zarr from "zarrita";

const [given, path = "temperature", branch = "main"] = process.argv.slice(2);
// Node-only and only without a URL: the read path below stays browser-safe
const served = given ? undefined : await (await import("./serve.js")).serveDemoRepository();
const url = given ?? served!.url;
if (served) console.log(`no URL given: serving a demo repository at ${url}`);
try {
  const repo = await Repository.open(httpStorage(url));
  console.log(
    `spec ${repo.specVersion}; branches: ${(await repo.listBranches()).join(", ")}; tags: ${(await repo.listTags()).join(", ")}`,
  );
  for (const s of await repo.ancestry(branch))
    console.log(`  ${s.id} ${s.writtenAt.toISOString()} ${s.message}`);
  const session = await repo.readonlySession(branch);
  const arr = await zarr.open.v3(zarr.root(new IcechunkStore(session)).resolve(path), {
    kind: "array",
  });
  const { data, shape } = await zarr.get(arr);
  const values = Array.from(data as ArrayLike<number>);
  console.log(
    `${path}: shape [${shape.join(", ")}], ${arr.dtype}, min ${Math.min(...values)}, max ${Math.max(...values)}`,
  );
} finally {
  await served?.close();
}
