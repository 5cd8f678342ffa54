/**
 * @module __tests__/format/materialize
 * Turns decoded views into plain objects for deep equality in tests.
 */

import type { ManifestData, ManifestView } from "../../src/format/manifest.js";
import type { SnapshotData, SnapshotView } from "../../src/format/snapshot.js";

/** Plain data of a snapshot view (the input shape of `encodeSnapshot`). */
export function snapshotData(view: SnapshotView): SnapshotData {
  const data: SnapshotData = {
    id: view.id,
    flushedAt: view.flushedAt,
    message: view.message,
    metadata: view.metadata,
    manifestFiles: view.manifestFiles,
    nodes: [...view.nodes()],
  };
  if (view.parentId !== undefined) data.parentId = view.parentId;
  return data;
}

/** Plain data of a manifest view (the input shape of `encodeManifest`). */
export function manifestData(view: ManifestView): ManifestData {
  return {
    id: view.id,
    arrays: view.nodeIds().map((nodeId) => ({ nodeId, refs: [...view.refs(nodeId)] })),
  };
}
