/**
 * @module session/location-compression
 * Upstream `ManifestVirtualChunkLocationCompressionConfig`: whether and how the manifests a commit
 * writes compress their virtual chunk locations. From `manifest.virtual_chunk_location_compression`
 * (serde form) with upstream's defaults: at least 1000 refs and virtual refs, 100 samples, a 2 KiB
 * dictionary.
 */
import type { JsonValue } from "../format/json-value.js";
import type { LocationCompression } from "../format/manifest.js";

type Obj = { [k: string]: JsonValue };
const isObj = (v: JsonValue | undefined): v is Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const count = (v: JsonValue | undefined, dflt: number) =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : dflt;

/** The settings of a repository's `manifest` config (serde form). */
export function locationCompressionSettings(manifest: JsonValue | undefined): LocationCompression {
  const c =
    isObj(manifest) && isObj(manifest.virtual_chunk_location_compression)
      ? manifest.virtual_chunk_location_compression
      : {};
  return {
    minNumChunks: count(c.min_num_chunks, 1000),
    maxSamples: count(c.dictionary_max_training_samples, 100),
    maxDictionaryBytes: count(c.dictionary_max_size_bytes, 2048),
  };
}
