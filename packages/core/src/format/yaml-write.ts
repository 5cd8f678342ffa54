/**
 * @module format/yaml-write
 * Writer for the YAML config subset, producing the shape serde_yaml_ng gives a Rust
 * `RepositoryConfig`: two-space block mappings, indentless sequences under keys, compact `- - x`
 * and `- k: v` items, and enum values as tags (`store: !s3_compatible`, `!Axis 0`, `!azure {}`).
 * Which one-key maps are enums is decided by a path predicate (default: the enum positions of
 * `RepositoryConfig`).
 */

import {
  isJsonObject,
  type JsonObject,
  type JsonValue,
  UnencodableValueError,
} from "./json-value.js";
import { formatScalar, formatString } from "./yaml-scalars.js";

/** A path inside the value: object keys and array indices from the root. */
export type YamlPath = readonly (string | number)[];

/** Options of {@link stringifyYamlConfig}. */
export interface YamlStringifyOptions {
  /**
   * Whether the one-key map at `path` is an externally tagged enum to be written as `!variant`.
   * Default: {@link isRepositoryConfigEnumPath}.
   */
  isEnum?: (path: YamlPath) => boolean;
}

function match(path: YamlPath, pattern: readonly (string | number | null)[]): boolean {
  if (path.length !== pattern.length) return false;
  return pattern.every((p, i) => {
    if (p === null) return true;
    if (typeof p === "number") return typeof path[i] === "number";
    return path[i] === p;
  });
}

const ANY = null;
const INDEX = 0;

/**
 * The enum positions of `RepositoryConfig`: a container's `store`, split conditions (including
 * the per-dimension `condition`s), `manifest.preload.preload_if`, and enums nested in `or`/`and`
 * lists or `num_refs` bounds of those.
 */
export function isRepositoryConfigEnumPath(path: YamlPath): boolean {
  if (
    match(path, ["virtual_chunk_containers", ANY, "store"]) ||
    match(path, ["manifest", "splitting", "split_sizes", INDEX, 0]) ||
    match(path, ["manifest", "splitting", "split_sizes", INDEX, 1, INDEX, "condition"]) ||
    match(path, ["manifest", "preload", "preload_if"])
  ) {
    return true;
  }
  const n = path.length;
  if (
    n >= 3 &&
    typeof path[n - 1] === "number" &&
    (path[n - 2] === "or" || path[n - 2] === "and")
  ) {
    return isRepositoryConfigEnumPath(path.slice(0, n - 2));
  }
  if (n >= 3 && (path[n - 1] === "from" || path[n - 1] === "to") && path[n - 2] === "num_refs") {
    return isRepositoryConfigEnumPath(path.slice(0, n - 2));
  }
  return false;
}

class Writer {
  readonly out: string[] = [];
  constructor(private readonly isEnum: (path: YamlPath) => boolean) {}

  tagOf(v: JsonValue, path: YamlPath): [string, JsonValue] | undefined {
    if (!isJsonObject(v)) return undefined;
    const keys = Object.keys(v);
    if (keys.length !== 1 || !this.isEnum(path)) return undefined;
    const tag = keys[0]!;
    if (!/^[A-Za-z0-9_.-]+$/.test(tag)) {
      throw new UnencodableValueError("YAML", `enum variant '${tag}' cannot be written as a tag`);
    }
    return [tag, v[tag]!];
  }

  /** Writes `v` as a block node whose lines are indented by `indent`. */
  block(v: JsonValue, indent: number, path: YamlPath): void {
    if (path.length > 256)
      throw new UnencodableValueError("YAML", "nesting deeper than 256 levels");
    if (Array.isArray(v) && v.length > 0) this.sequence(v, indent, path);
    else if (isJsonObject(v) && Object.keys(v).length > 0) this.mapping(v, indent, path);
    else this.out.push(" ".repeat(indent) + formatScalar(v));
  }

  isBlock(v: JsonValue): boolean {
    return (Array.isArray(v) && v.length > 0) || (isJsonObject(v) && Object.keys(v).length > 0);
  }

  /** Writes a tagged value after `head` (e.g. `key: ` or `- `); nested lines go to `indent`. */
  tagged(head: string, tag: string, inner: JsonValue, indent: number, path: YamlPath): void {
    const innerPath = [...path, tag];
    if (this.tagOf(inner, innerPath)) {
      throw new UnencodableValueError(
        "YAML",
        `enum directly inside enum at ${path.join(".")} cannot be tagged`,
      );
    }
    if (!this.isBlock(inner)) {
      this.out.push(`${head}!${tag} ${formatScalar(inner)}`);
      return;
    }
    this.out.push(`${head}!${tag}`);
    this.block(inner, indent, innerPath);
  }

  mapping(obj: JsonObject, indent: number, path: YamlPath): void {
    const pad = " ".repeat(indent);
    for (const key of Object.keys(obj)) {
      const v = obj[key]!;
      const p = [...path, key];
      const head = `${pad}${formatString(key)}:`;
      const tag = this.tagOf(v, p);
      if (tag) this.tagged(`${head} `, tag[0], tag[1], indent + 2, p);
      else if (Array.isArray(v) && v.length > 0) {
        this.out.push(head);
        this.sequence(v, indent, p);
      } else if (this.isBlock(v)) {
        this.out.push(head);
        this.mapping(v as JsonObject, indent + 2, p);
      } else this.out.push(`${head} ${formatScalar(v)}`);
    }
  }

  sequence(arr: JsonValue[], indent: number, path: YamlPath): void {
    const pad = " ".repeat(indent);
    for (const [i, v] of arr.entries()) {
      const p = [...path, i];
      const tag = this.tagOf(v, p);
      if (tag) this.tagged(`${pad}- `, tag[0], tag[1], indent + 2, p);
      else if (!this.isBlock(v)) this.out.push(`${pad}- ${formatScalar(v)}`);
      else {
        // Compact form: render at indent + 2, then put the dash in front of the first line.
        const first = this.out.length;
        this.block(v, indent + 2, p);
        this.out[first] = `${pad}- ${this.out[first]!.slice(indent + 2)}`;
      }
    }
  }
}

/**
 * Writes a JSON value as YAML in serde_yaml_ng's shape (see the module doc). Map keys keep their
 * JS order. Throws `UnencodableValueError` for values outside the subset.
 */
export function stringifyYamlConfig(value: JsonValue, options: YamlStringifyOptions = {}): string {
  const w = new Writer(options.isEnum ?? isRepositoryConfigEnumPath);
  const tag = w.tagOf(value, []);
  if (tag) w.tagged("", tag[0], tag[1], 0, []);
  else w.block(value, 0, []);
  return `${w.out.join("\n")}\n`;
}
