/**
 * @module repo/create
 * Creating a repository (upstream `Repository::create`). Spec 2: the initial snapshot and its empty
 * transaction log, then the `repo` object written create-if-absent (so concurrent creators race
 * safely). Spec 1: the initial snapshot, `refs/branch.main/ref.json` (create-if-absent) and
 * `config.yaml` when the config is not the default.
 */
import type { AssetManager } from "../assets/asset-manager.js";
import { RepositoryAlreadyExistsError } from "../errors.js";
import { CONFIG_PATH, INITIAL_SNAPSHOT_ID, INITIAL_SNAPSHOT_MESSAGE } from "../format/constants.js";
import { encodeFlexbuffer } from "../format/flexbuffers.js";
import type { JsonObject } from "../format/json-value.js";
import type { RepoInfoData } from "../format/repo-info.js";
import { stringifyYamlConfig } from "../format/yaml.js";
import { configToSerde, type RepositoryConfig } from "../repo-core/config.js";
import { updateBranchV1 } from "../repo-core/v1.js";
import { nowMicros } from "../util/time.js";

const ROOT_METADATA: JsonObject = { __icechunk: { is_root: true } };

export async function createRepository(
  assets: AssetManager,
  specVersion: 1 | 2,
  config: RepositoryConfig,
  options: { signal?: AbortSignal; checkCleanRoot?: boolean },
): Promise<void> {
  const { signal } = options;
  const storage = assets.storage;
  if (options.checkCleanRoot ?? true) {
    for await (const _ of storage.list("", { signal }))
      throw new RepositoryAlreadyExistsError(storage.description, "the location is not empty");
  }
  const flushedAt = nowMicros();
  const serde = configToSerde(config);
  const hasConfig = Object.keys(serde).length > 0;
  await assets.writeSnapshot(
    {
      id: INITIAL_SNAPSHOT_ID,
      flushedAt,
      message: INITIAL_SNAPSHOT_MESSAGE,
      metadata: ROOT_METADATA,
      manifestFiles: [],
      nodes: [],
    },
    specVersion,
    { signal },
  );
  if (specVersion === 1) {
    if (hasConfig)
      await storage.put(CONFIG_PATH, new TextEncoder().encode(stringifyYamlConfig(serde)), {
        contentType: "application/yaml",
        signal,
      });
    await updateBranchV1(assets, "main", undefined, INITIAL_SNAPSHOT_ID, signal).catch((e) => {
      throw new RepositoryAlreadyExistsError(
        storage.description,
        `a repository was created concurrently (${(e as Error).message})`,
      );
    });
    return;
  }
  await assets.writeTransactionLog(
    {
      id: INITIAL_SNAPSHOT_ID,
      newGroups: [],
      newArrays: [],
      deletedGroups: [],
      deletedArrays: [],
      updatedGroups: [],
      updatedArrays: [],
      updatedChunks: [],
      movedNodes: [],
    },
    2,
    { signal },
  );
  const info: RepoInfoData = {
    specVersion: 2,
    tags: [],
    branches: [{ name: "main", snapshotId: INITIAL_SNAPSHOT_ID }],
    deletedTags: [],
    snapshots: [
      {
        id: INITIAL_SNAPSHOT_ID,
        flushedAt,
        message: INITIAL_SNAPSHOT_MESSAGE,
        metadata: ROOT_METADATA,
      },
    ],
    status: { availability: "online", setAt: flushedAt },
    metadata: {},
    latestUpdates: [{ update: { type: "repo-initialized" }, updatedAt: nowMicros() }],
    ...(hasConfig ? { config: encodeFlexbuffer(serde) } : {}),
    enabledFeatureFlags: [],
    disabledFeatureFlags: [],
  };
  const r = await assets.writeRepoInfo(info, { ifNoneMatch: "*" }, { signal });
  if (r.kind !== "written")
    throw new RepositoryAlreadyExistsError(
      storage.description,
      "another process created a repository here first",
    );
}
