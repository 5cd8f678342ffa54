/**
 * Browser bundle entry for the display test: builds a repository with branches and a tag in the
 * page, and puts its ancestry graph (SVG) and a session's notebook HTML into the document.
 */
import { inMemoryStorage, Repository } from "@icechunk-ts/core";

const group = new TextEncoder().encode('{"zarr_format":3,"node_type":"group"}');

export async function showGraph() {
  const repo = await Repository.create(inMemoryStorage());
  const commit = async (branch: string, message: string, key: string) => {
    const s = await repo.writableSession(branch);
    await s.store.set(key, group);
    return s.commit(message);
  };
  const c1 = await commit("main", "add the root group", "zarr.json");
  await commit("main", "add /a", "a/zarr.json");
  await repo.createBranch("feature", c1);
  await commit("feature", "try /b on a branch", "b/zarr.json");
  await commit("main", "add /c", "c/zarr.json");
  await repo.createTag("v1.0", c1);
  const graph = await repo.ancestryGraph();
  const session = await repo.writableSession("main");
  await session.store.set("d/zarr.json", group);
  const display = Symbol.for("Jupyter.display");
  const html = (session as unknown as Record<symbol, () => Record<string, string>>)[display]!();
  document.body.style.background = "white";
  document.body.innerHTML = `<div id="graph">${graph.toSVG()}</div><div id="session">${html["text/html"]}</div>`;
  return { text: graph.toString(), sessionText: String(session) };
}
