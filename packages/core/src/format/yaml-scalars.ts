/**
 * @module format/yaml-scalars
 * Scalar and one-line flow-collection handling for the YAML config subset (`yaml.ts`): quoted
 * scalars with YAML escapes, YAML 1.2 core-schema resolution of plain scalars (null, bool, int,
 * float, string), `{…}`/`[…]` flow collections, and the quoting rules the writer uses.
 */

import {
  type JsonObject,
  type JsonValue,
  MAX_EXACT_INTEGER,
  normalizeInteger,
  setJsonProperty,
} from "./json-value.js";

/** Raises a typed error for line `no` (never returns). */
export type Fail = (no: number, detail: string) => never;

const ESCAPES: Record<string, string> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  "\t": "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
  N: "\u0085",
  _: "\u00a0",
  L: "\u2028",
  P: "\u2029",
};

/** Parses the quoted scalar starting at `text[start]`; returns its value and the index after it. */
export function parseScalarToken(
  text: string,
  start: number,
  no: number,
  fail: Fail,
): { value: string; end: number } {
  const q = text[start];
  let out = "";
  let i = start + 1;
  if (q === "'") {
    for (; i < text.length; i++) {
      if (text[i] === "'") {
        if (text[i + 1] === "'") {
          out += "'";
          i++;
        } else return { value: out, end: i + 1 };
      } else out += text[i];
    }
    return fail(no, "unterminated single-quoted scalar (multi-line scalars are not supported)");
  }
  if (q !== '"') return fail(no, "expected a quoted scalar");
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return { value: out, end: i + 1 };
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = text[++i];
    if (e === undefined) break;
    const hex = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
    if (hex > 0) {
      const digits = text.slice(i + 1, i + 1 + hex);
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hex)
        fail(no, `bad escape '\\${e}${digits}'`);
      const cp = Number.parseInt(digits, 16);
      if (cp > 0x10ffff) fail(no, `escape '\\${e}${digits}' is beyond Unicode`);
      out += hex === 4 ? String.fromCharCode(cp) : String.fromCodePoint(cp);
      i += hex;
    } else if (ESCAPES[e] !== undefined) out += ESCAPES[e];
    else fail(no, `unknown escape '\\${e}'`);
  }
  return fail(no, "unterminated double-quoted scalar (multi-line scalars are not supported)");
}

const I64_MIN = -(1n << 63n);
const U64_MAX = (1n << 64n) - 1n;

function integer(big: bigint, text: string): number | bigint {
  if (big >= I64_MIN && big <= U64_MAX) return normalizeInteger(big);
  return Number(text);
}

/** Resolves a plain scalar with the YAML 1.2 core schema (as serde_yaml_ng does). */
export function resolvePlain(text: string, no: number, fail: Fail): JsonValue {
  const s = text.trim();
  if (s === "" || s === "~" || s === "null" || s === "Null" || s === "NULL") return null;
  if (s === "true" || s === "True" || s === "TRUE") return true;
  if (s === "false" || s === "False" || s === "FALSE") return false;
  if (/^[-+]?[0-9]+$/.test(s)) return integer(BigInt(s), s);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return integer(BigInt(s), String(Number(s)));
  if (/^0o[0-7]+$/.test(s)) return integer(BigInt(`0o${s.slice(2)}`), String(Number(s)));
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(s)) return Number(s);
  if (/^[-+]?\.(inf|Inf|INF)$/.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
  if (/^\.(nan|NaN|NAN)$/.test(s)) return Number.NaN;
  if (/^[[\]{}#&*!|>'"%@`,]/.test(s) || /^[-?:](\s|$)/.test(s)) {
    fail(no, `'${s}' is not a valid plain scalar`);
  }
  if (/: |\s#/.test(s)) fail(no, `unexpected ': ' or ' #' inside '${s}'`);
  return s;
}

/** Parses a complete one-line flow collection (`{}`, `[1, a]`, `{k: v, n: [x]}`). */
export function parseFlow(text: string, no: number, fail: Fail): JsonValue {
  let i = 0;
  const ws = () => {
    while (text[i] === " ") i++;
  };
  const scalar = (stops: string): JsonValue => {
    if (text[i] === "'" || text[i] === '"') {
      const { value, end } = parseScalarToken(text, i, no, fail);
      i = end;
      return value;
    }
    const from = i;
    while (
      i < text.length &&
      !stops.includes(text[i]!) &&
      !(text[i] === ":" && text[i + 1] === " ")
    )
      i++;
    return resolvePlain(text.slice(from, i), no, fail);
  };
  const value = (depth: number): JsonValue => {
    if (depth > 64) fail(no, "flow collection nested too deeply");
    ws();
    if (text[i] === "[") {
      i++;
      const out: JsonValue[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return out;
      }
      for (;;) {
        out.push(value(depth + 1));
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          return out;
        } else fail(no, "expected ',' or ']' in flow sequence");
        ws();
        if (text[i] === "]") {
          i++;
          return out;
        }
      }
    }
    if (text[i] === "{") {
      i++;
      const out: JsonObject = {};
      ws();
      if (text[i] === "}") {
        i++;
        return out;
      }
      for (;;) {
        ws();
        const k = scalar(",:}");
        if (k === null || typeof k === "object") fail(no, "flow mapping keys must be scalars");
        ws();
        if (text[i] !== ":") fail(no, "expected ':' in flow mapping");
        i++;
        setJsonProperty(out, String(k), value(depth + 1));
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return out;
        } else fail(no, "expected ',' or '}' in flow mapping");
      }
    }
    return scalar(",]}");
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail(no, `unexpected '${text.slice(i)}' after flow collection`);
  return v;
}

const neverFail: Fail = () => {
  throw new Error("unreachable");
};

/** True when `s` holds a C0 control character, DEL or a YAML-special line/format character. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x85 || c === 0x2028 || c === 0x2029 || c === 0xfeff)
      return true;
  }
  return false;
}

/** True when `s` can be written as a plain scalar and reads back as the same string. */
function plainSafe(s: string): boolean {
  if (s === "" || s !== s.trim()) return false;
  if (hasControl(s)) return false;
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(s) || /: |:$| #|[\ud800-\udfff]/.test(s)) return false;
  try {
    return resolvePlain(s, 0, neverFail) === s;
  } catch {
    return false;
  }
}

/** Formats a string scalar: plain when safe, single-quoted when printable, else double-quoted. */
export function formatString(s: string): string {
  if (plainSafe(s)) return s;
  if (!hasControl(s) && !/[\ud800-\udfff]/.test(s)) return `'${s.replaceAll("'", "''")}'`;
  // JSON escapes are valid YAML escapes; also escape the characters JSON leaves raw but YAML
  // treats as line breaks or byte-order marks.
  let out = "";
  for (const ch of JSON.stringify(s)) {
    const c = ch.charCodeAt(0);
    out += hasControl(ch) ? `\\u${c.toString(16).padStart(4, "0")}` : ch;
  }
  return out;
}

/** Formats a scalar (or empty collection) value. */
export function formatScalar(v: JsonValue): string {
  if (v === null) return "null";
  if (typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (typeof v === "number") {
    if (Number.isNaN(v)) return ".nan";
    if (v === Infinity) return ".inf";
    if (v === -Infinity) return "-.inf";
    if (Object.is(v, -0)) return "-0.0";
    if (Number.isInteger(v) && Math.abs(v) <= MAX_EXACT_INTEGER) return String(v);
    // Larger integral numbers are written in float form so they read back as numbers, not bigints.
    if (Number.isInteger(v)) return v.toExponential().replace("e+", "e");
    return String(v).replace("e+", "e");
  }
  if (typeof v === "string") return formatString(v);
  if (Array.isArray(v)) return "[]";
  return "{}";
}
