/**
 * @module display/repr
 * How icechunk-ts objects print: one short line for `toString()`, logs and REPLs
 * (`util.inspect` through `Symbol.for("nodejs.util.inspect.custom")`, so browsers never import
 * `node:util`), and an HTML table for notebooks (`Symbol.for("Jupyter.display")`, the MIME bundle
 * Deno's Jupyter kernel renders, like the Python package's `_repr_html_`). A repr shows the facts
 * a person needs at a glance and never internals; every value is cut to a bounded length.
 */

/** Node's hook for `util.inspect` / `console.log`. */
export const INSPECT_CUSTOM: unique symbol = Symbol.for("nodejs.util.inspect.custom") as never;
/** Deno's Jupyter kernel hook (`Deno.jupyter.$display`). */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/** One `name: value` of a repr; `undefined` values are left out. */
export type ReprField = readonly [name: string, value: string | number | boolean | undefined];

/** The MIME bundle of `Symbol.for("Jupyter.display")`. */
export interface JupyterBundle {
  "text/plain": string;
  "text/html"?: string;
  "image/svg+xml"?: string;
}

/** Longest value shown in a repr (characters). */
const MAX_VALUE_CHARS = 120;

/** `s` cut to `max` characters, with an ellipsis when cut. */
export function truncate(s: string, max = MAX_VALUE_CHARS): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function shown(fields: readonly ReprField[]): Array<[string, string]> {
  return fields.flatMap(([k, v]) => (v === undefined ? [] : [[k, truncate(String(v))]]));
}

/** `Name(key: value, key: value)`: the one-line text form. */
export function reprLine(name: string, fields: readonly ReprField[]): string {
  return `${name}(${shown(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ")})`;
}

/** Minimal subset of Node's `InspectOptionsStylized` a custom inspector uses. */
interface InspectOptionsLike {
  stylize?: (text: string, style: string) => string;
}

function reprStyled(name: string, fields: readonly ReprField[], options?: InspectOptionsLike) {
  const stylize = options?.stylize;
  if (!stylize) return reprLine(name, fields);
  const parts = shown(fields).map(([k, v]) => `${k}: ${stylize(v, "string")}`);
  return `${stylize(name, "special")}(${parts.join(", ")})`;
}

/** `s` with `& < > " '` escaped for HTML text and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const HTML_STYLE =
  "font-family:var(--jp-code-font-family,monospace);font-size:12px;border-collapse:collapse";
const HTML_CELL = "padding:1px 8px;text-align:left;vertical-align:top";

/** An HTML table of the fields (a bounded, escaped notebook rendering). */
export function reprHtml(name: string, fields: readonly ReprField[]): string {
  const rows = shown(fields)
    .map(
      ([k, v]) =>
        `<tr><th style="${HTML_CELL};opacity:.65;font-weight:500">${escapeHtml(k)}</th>` +
        `<td style="${HTML_CELL}">${escapeHtml(v)}</td></tr>`,
    )
    .join("");
  return (
    `<div class="icechunk-repr"><table style="${HTML_STYLE}">` +
    `<caption style="text-align:left;font-weight:600;padding:2px 8px">${escapeHtml(name)}</caption>` +
    `${rows}</table></div>`
  );
}

/**
 * Gives every instance of a prototype (a class's, or one shared by plain records) a `toString`,
 * a `util.inspect` form and a notebook form, all built from `fields(this)`. The methods are not
 * enumerable, so records stay equal to plain objects of the same fields.
 */
export function installRepr<T>(
  proto: object,
  name: string | ((self: T) => string),
  fields: (self: T) => readonly ReprField[],
): void {
  const nameOf = typeof name === "string" ? () => name : name;
  Object.defineProperties(proto, {
    toString: {
      value(this: T) {
        return reprLine(nameOf(this), fields(this));
      },
      writable: true,
      configurable: true,
    },
    [INSPECT_CUSTOM]: {
      value(this: T, _depth: number, options?: InspectOptionsLike) {
        return reprStyled(nameOf(this), fields(this), options);
      },
      writable: true,
      configurable: true,
    },
    [JUPYTER_DISPLAY]: {
      value(this: T): JupyterBundle {
        const n = nameOf(this);
        const f = fields(this);
        return { "text/plain": reprLine(n, f), "text/html": reprHtml(n, f) };
      },
      writable: true,
      configurable: true,
    },
  });
}

/** `n thing`/`n things`. */
export function plural(n: number, thing: string): string {
  return `${n} ${thing}${n === 1 ? "" : "s"}`;
}

/** Microseconds since the epoch as an ISO time with microseconds (`2026-01-02T03:04:05.123456Z`). */
export function isoMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString();
  const frac = String(Math.floor(micros) % 1_000_000).padStart(6, "0");
  return `${iso.slice(0, 19)}.${frac}Z`;
}

/** A JSON value in one bounded line. */
export function jsonLine(value: unknown): string {
  try {
    return truncate(JSON.stringify(value) ?? String(value));
  } catch {
    return "<not JSON>";
  }
}

/** One own field of an error, summarized for its repr (no buffers, no long lists). */
function summarizeValue(v: unknown): string {
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (Array.isArray(v))
    return v.length <= 3
      ? `[${v.map(summarizeValue).join(", ")}]`
      : `[${v.slice(0, 3).map(summarizeValue).join(", ")}, … ${v.length - 3} more]`;
  if (v !== null && typeof v === "object") {
    const own = (v as { toString?: () => string }).toString;
    if (own && own !== Object.prototype.toString) return truncate(String(v));
    return jsonLine(v);
  }
  return typeof v === "string" ? JSON.stringify(truncate(v)) : String(v);
}

/**
 * The `util.inspect` form of an IcechunkError: its stack (name, message, frames), then its kind
 * and typed fields in one bounded line each, then its cause.
 */
export function inspectError(
  err: Error & { kind: string },
  depth: number,
  options: unknown,
  inspect?: (v: unknown, o?: unknown) => string,
): string {
  const head = err.stack ?? `${err.name}: ${err.message}`;
  const lines = [`  kind: ${err.kind}`];
  for (const [k, v] of Object.entries(err)) {
    if (k === "kind" || k === "name" || k === "message" || k === "stack" || v === undefined)
      continue;
    lines.push(`  ${k}: ${summarizeValue(v)}`);
  }
  const cause = (err as { cause?: unknown }).cause;
  if (cause !== undefined) {
    const text =
      inspect && depth > 0
        ? inspect(cause, { ...(options as object), depth: depth - 1 })
        : String(cause);
    lines.push(`  cause: ${text.replaceAll("\n", "\n  ")}`);
  }
  return `${head}\n{\n${lines.join("\n")}\n}`;
}

/** A record of `fields` whose prototype is `proto` (own fields enumerable, repr inherited). */
export function record<T extends object>(proto: object, fields: T): T {
  return Object.assign(Object.create(proto) as T, fields);
}

/** The first line of a commit message, bounded. */
export function firstLine(message: string, max = 60): string {
  const line = message.split("\n", 1)[0] ?? "";
  return line.length <= max ? line : `${line.slice(0, max - 3)}...`;
}
