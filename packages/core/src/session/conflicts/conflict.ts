/**
 * @module session/conflicts/conflict
 * The conflict records themselves (plain data, no imports but the id types), so that `errors.ts`
 * can carry them in `RebaseFailedError` without depending on the session layer.
 */
import type { NodeId } from "../../format/id-types.js";

/** One conflict found by the detector (icechunk-format.md §7.3). Paths are absolute node paths. */
export type Conflict =
  /** The commit moved nodes; sessions are never rebased over moves. */
  | { readonly kind: "move-operation-cannot-be-rebased" }
  /** We created a node where the commit already has one. */
  | { readonly kind: "new-node-conflicts-with-existing-node"; readonly path: string }
  /** We created a node under `path`, which is an array in the commit. */
  | { readonly kind: "new-node-in-invalid-group"; readonly path: string }
  /** We and the commit both changed this node's zarr.json. */
  | { readonly kind: "zarr-metadata-double-update"; readonly path: string }
  | { readonly kind: "zarr-metadata-update-of-deleted-array"; readonly path: string }
  | { readonly kind: "zarr-metadata-update-of-deleted-group"; readonly path: string }
  | {
      readonly kind: "chunks-updated-in-deleted-array";
      readonly path: string;
      readonly nodeId: NodeId;
    }
  /** We wrote chunks of an array whose metadata (e.g. shape) the commit changed. */
  | {
      readonly kind: "chunks-updated-in-updated-array";
      readonly path: string;
      readonly nodeId: NodeId;
    }
  /** We and the commit both wrote (or deleted) these chunks. */
  | {
      readonly kind: "chunk-double-update";
      readonly path: string;
      readonly nodeId: NodeId;
      /** Sorted. */
      readonly chunkCoordinates: readonly number[][];
    }
  | { readonly kind: "delete-of-updated-array"; readonly path: string; readonly nodeId: NodeId }
  | { readonly kind: "delete-of-updated-group"; readonly path: string; readonly nodeId: NodeId };

/** Every conflict kind, in the detector's order. */
export type ConflictKind = Conflict["kind"];
