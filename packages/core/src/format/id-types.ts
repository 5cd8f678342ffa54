/**
 * @module format/id-types
 * The branded id types alone (no code, no imports), so that low layers such as `errors.ts` can
 * name them without importing the id codec. `format/ids.ts` re-exports them with the codec.
 */

declare const brand: unique symbol;
type Brand<Tag extends string> = string & { readonly [brand]: Tag };

/** Id of a snapshot (and of its transaction log): 12 bytes, 20 characters. */
export type SnapshotId = Brand<"SnapshotId">;
/** Id of a manifest file: 12 bytes, 20 characters. */
export type ManifestId = Brand<"ManifestId">;
/** Id of a chunk object: 12 bytes, 20 characters. */
export type ChunkId = Brand<"ChunkId">;
/** Id of a node (group or array): 8 bytes, 13 characters. */
export type NodeId = Brand<"NodeId">;
/** Any object id. */
export type ObjectId = SnapshotId | ManifestId | ChunkId | NodeId;
