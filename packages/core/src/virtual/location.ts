/**
 * @module virtual/location
 * Normal form of virtual chunk locations, checked before authorization and container matching.
 * A location is accepted only when it already is what URL normalization would make of it, so the
 * string the container prefix is matched against is exactly what the fetcher reads: no `.` / `..`
 * segments (plain or percent-encoded in any case mix), no empty segments, no percent-encoded
 * `/`, `\` or NUL, no malformed escapes, no control characters, spaces or backslashes, no
 * userinfo, a lowercase scheme and host, a host where the scheme needs one (none for `file://`),
 * no fragment, and a query only on http(s). Every other form is refused, never repaired: a
 * repaired location could name another object than the one written.
 */
import { InvalidVirtualChunkLocationError } from "../errors.js";

/** Longest location accepted (bounds the work on hostile manifests). */
export const MAX_LOCATION_LENGTH = 8192;

const HOST = /^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?)*$/;
const IPV6 = /^\[[0-9a-f:.]+\]$/;
const WHATWG_CHECKED = new Set([
  "http",
  "https",
  "file",
  "s3",
  "gs",
  "gcs",
  "az",
  "azure",
  "abfs",
  "r2",
  "tigris",
]);

/** The scheme of a location (lowercase as stored), or undefined when it has none. */
export function locationScheme(location: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):\/\//.exec(location)?.[1];
}

/**
 * Throws InvalidVirtualChunkLocationError unless `location` (an absolute URL, `vcc://` already
 * expanded) is in normal form. Returns it unchanged.
 */
export function checkVirtualChunkLocation(location: string): string {
  const refuse = (detail: string) => new InvalidVirtualChunkLocationError(location, detail);
  if (location.length > MAX_LOCATION_LENGTH)
    throw refuse(`it is longer than ${MAX_LOCATION_LENGTH} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u0020\u007f\\]/.test(location))
    throw refuse("it contains a control character, a space or a backslash (percent-encode spaces)");
  if (/[^\u0021-\u007e]/.test(location))
    throw refuse("it contains non-ASCII characters (percent-encode them as UTF-8)");
  const scheme = locationScheme(location);
  if (scheme === undefined)
    throw refuse("it does not start with a lowercase scheme followed by '://'");
  if (location.includes("#"))
    throw refuse("it has a fragment ('#'), which is never sent to the server");
  const rest = location.slice(scheme.length + 3);
  const slash = rest.indexOf("/");
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const afterAuthority = slash < 0 ? "" : rest.slice(slash);
  if (authority.includes("@")) throw refuse("it has userinfo ('user@'), which is not allowed");
  if (authority.includes("?")) throw refuse("it has a query but no path");
  const web = scheme === "http" || scheme === "https";
  const q = afterAuthority.indexOf("?");
  if (q >= 0 && !web)
    throw refuse(`a ${scheme}:// location has no query (percent-encode '?' as %3F)`);
  const path = q < 0 ? afterAuthority : afterAuthority.slice(0, q);
  const query = q < 0 ? "" : afterAuthority.slice(q + 1);
  checkAuthority(scheme, authority, refuse);
  if (path === "" || path === "/") throw refuse("it names no object (the path is empty)");
  const segments = path.slice(1).split("/");
  for (const [i, segment] of segments.entries()) {
    if (segment === "")
      throw refuse(
        i === segments.length - 1
          ? "it ends with '/' (names a directory)"
          : "it has an empty path segment ('//')",
      );
    checkEscapes(segment, refuse);
    const decoded = segment.replace(/%2e/gi, ".");
    if (decoded === "." || decoded === "..")
      throw refuse(
        `it has a '${segment}' path segment (relative segments could leave the container)`,
      );
  }
  if (query !== "") checkEscapes(query, refuse);
  if (WHATWG_CHECKED.has(scheme)) {
    let href: string;
    try {
      href = new URL(location).href;
    } catch {
      throw refuse("it is not a valid URL");
    }
    if (href !== location)
      throw refuse(`URL normalization changes it (to '${href.slice(0, 300)}')`);
  }
  return location;
}

function checkAuthority(
  scheme: string,
  authority: string,
  refuse: (detail: string) => InvalidVirtualChunkLocationError,
): void {
  if (scheme === "file") {
    if (authority !== "")
      throw refuse("a file:// location has no host (write file:///absolute/path)");
    return;
  }
  if (authority === "") throw refuse(`a ${scheme}:// location needs a host or bucket name`);
  const web = scheme === "http" || scheme === "https";
  const port = /:(\d{1,5})$/.exec(authority);
  const host = port && web ? authority.slice(0, -port[0].length) : authority;
  if (port && web) {
    const n = Number(port[1]);
    if (n === 0 || n > 65535 || port[1]!.startsWith("0"))
      throw refuse(`'${port[1]}' is not a valid port`);
  }
  if (web && IPV6.test(host)) return;
  if (!HOST.test(host)) throw refuse(`'${host}' is not a valid lowercase host or bucket name`);
}

function checkEscapes(
  part: string,
  refuse: (detail: string) => InvalidVirtualChunkLocationError,
): void {
  for (const m of part.matchAll(/%(.{0,2})/g)) {
    const hex = m[1]!;
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw refuse("it has a malformed percent escape");
    const code = Number.parseInt(hex, 16);
    if (code === 0x2f || code === 0x5c) throw refuse("it has a percent-encoded '/' or '\\'");
    if (code < 0x20 || code === 0x7f)
      throw refuse("it has a percent-encoded control character (NUL, …)");
  }
}
