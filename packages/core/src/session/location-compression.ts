/**
 * @module session/location-compression
 * Upstream `ManifestVirtualChunkLocationCompressionConfig`: whether and how the manifests a commit
 * writes compress their virtual chunk locations. From `manifest.virtual_chunk_location_compression`
 * (serde form) with upstream's defaults: at least 1000 refs and virtual refs, 100 samples, a 2 KiB
 * dictionary.
 */
import { countOr, isJsonObject, type JsonValue } from "../format/json-value.js";
import type { LocationCompression } from "../format/manifest.js";

/** The settings of a repository's `manifest` config (serde form). */
export function locationCompressionSettings(manifest: JsonValue | undefined): LocationCompression {
  const c =
    isJsonObject(manifest) && isJsonObject(manifest.virtual_chunk_location_compression)
      ? manifest.virtual_chunk_location_compression
      : {};
  return {
    minNumChunks: countOr(c.min_num_chunks, 1000),
    maxSamples: countOr(c.dictionary_max_training_samples, 100),
    maxDictionaryBytes: countOr(c.dictionary_max_size_bytes, 2048),
  };
}
