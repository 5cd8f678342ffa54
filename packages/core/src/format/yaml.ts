/**
 * @module format/yaml
 * A deliberately small YAML reader/writer for spec-1 `config.yaml` (serde_yaml_ng output of the
 * Rust `RepositoryConfig`): block mappings and sequences (including indentless and compact
 * `- - x` / `- k: v` forms), plain / single- / double-quoted scalars, literal `|` blocks, flow
 * collections on one line, comments, and enum tags: `!tag value` reads as the one-key map
 * `{tag: value}`, serde's externally tagged representation. Anything else (anchors, aliases,
 * folded scalars, multi-line flow, complex keys, tabs) is rejected with `CorruptObjectError`.
 */

import { CorruptObjectError } from "../errors.js";
import { type JsonObject, type JsonValue, setJsonProperty } from "./json-value.js";
import { parseFlow, parseScalarToken, resolvePlain } from "./yaml-scalars.js";

export {
  isRepositoryConfigEnumPath,
  stringifyYamlConfig,
  type YamlStringifyOptions,
} from "./yaml-write.js";

interface Line {
  /** 1-based line number, for messages. */
  no: number;
  indent: number;
  /** The line after its indentation, comment removed, right-trimmed. */
  text: string;
  raw: string;
}

/** Thrown for input outside the supported subset or malformed YAML. */
function fail(no: number, detail: string): never {
  throw new CorruptObjectError(
    "config.yaml",
    `line ${no}: ${detail} (only the serde_yaml_ng subset is supported)`,
  );
}

/** Removes a `#` comment that is outside quotes and preceded by whitespace. */
function stripComment(s: string): string {
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const prev = i === 0 ? " " : s[i - 1]!;
    if (quote === "'") {
      if (c === "'") {
        if (s[i + 1] === "'") i++;
        else quote = undefined;
      }
    } else if (quote === '"') {
      if (c === "\\") i++;
      else if (c === '"') quote = undefined;
    } else if ((c === "'" || c === '"') && /[\s[{,:]/.test(prev)) {
      quote = c;
    } else if (c === "#" && /\s/.test(prev)) {
      return s.slice(0, i);
    }
  }
  return s;
}

function isSeqItem(text: string): boolean {
  return text === "-" || text.startsWith("- ");
}

/** Index of the `:` that makes `text` a `key: value` line, or -1. */
function mappingColon(text: string, no: number): number {
  if (text.startsWith("'") || text.startsWith('"')) {
    const { end } = parseScalarToken(text, 0, no, fail);
    const rest = text.slice(end);
    const m = /^ *:(?: |$)/.exec(rest);
    return m ? end + m[0].indexOf(":") : -1;
  }
  if (/^[[{!&*|>%@`]/.test(text) || isSeqItem(text) || text.startsWith("? ")) return -1;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === ":" && (i + 1 === text.length || text[i + 1] === " ")) return i;
  }
  return -1;
}

/** Deepest block nesting accepted (upstream's YAML reader stops at 128 too). */
export const MAX_YAML_DEPTH = 128;

class Parser {
  idx = 0;
  depth = 0;
  constructor(readonly lines: Line[]) {}

  /** The current structural line (blank, comment-only and `---` lines are skipped). */
  get cur(): Line | undefined {
    while (this.idx < this.lines.length) {
      const t = this.lines[this.idx]!.text;
      if (t !== "" && t !== "---" && t !== "...") return this.lines[this.idx];
      this.idx++;
    }
    return undefined;
  }

  /** Parses the block node that starts at the current line (indentation `indent`). */
  node(indent: number): JsonValue {
    const line = this.cur!;
    if (++this.depth > MAX_YAML_DEPTH)
      fail(line.no, `nested deeper than ${MAX_YAML_DEPTH} levels (a real config nests about 8)`);
    try {
      if (isSeqItem(line.text)) return this.sequence(indent);
      if (mappingColon(line.text, line.no) >= 0) return this.mapping(indent);
      this.idx++;
      return this.inline(line.text, line.no, indent - 1, false);
    } finally {
      this.depth--;
    }
  }

  sequence(indent: number): JsonValue[] {
    const out: JsonValue[] = [];
    for (
      let line = this.cur;
      line && line.indent === indent && isSeqItem(line.text);
      line = this.cur
    ) {
      const rest = line.text.slice(1).replace(/^ +/, "");
      const col = indent + line.text.length - rest.length;
      out.push(this.afterIndicator(rest, col, indent, line, true));
    }
    return out;
  }

  mapping(indent: number): JsonObject {
    const out: JsonObject = {};
    for (
      let line = this.cur;
      line && line.indent === indent && !isSeqItem(line.text);
      line = this.cur
    ) {
      const colon = mappingColon(line.text, line.no);
      if (colon < 0) fail(line.no, `expected 'key: value', found '${line.text}'`);
      const keyText = line.text.slice(0, colon).trimEnd();
      const key = resolveKey(keyText, line.no);
      if (Object.hasOwn(out, key)) fail(line.no, `duplicate key '${key}'`);
      const rest = line.text.slice(colon + 1).replace(/^ +/, "");
      const col = indent + line.text.length - rest.length;
      setJsonProperty(out, key, this.afterIndicator(rest, col, indent, line, false));
    }
    return out;
  }

  /**
   * Parses what follows `- ` or `key: ` on `line` (`rest`, starting at column `col`), plus any
   * nested block below it. `owner` is the indentation of the dash or key.
   */
  afterIndicator(rest: string, col: number, owner: number, line: Line, inSeq: boolean): JsonValue {
    if (rest !== "" && inSeq && (isSeqItem(rest) || mappingColon(rest, line.no) >= 0)) {
      // Compact form: re-read the rest of the line as a block node at its own column.
      this.lines[this.idx] = { ...line, indent: col, text: rest };
      return this.node(col);
    }
    this.idx++;
    if (rest === "") return this.nested(owner, inSeq, line.no);
    if (rest.startsWith("!")) {
      const m = /^!([^\s!{}[\],]+)(?: +(.*))?$/.exec(rest);
      if (!m) fail(line.no, `unsupported tag syntax '${rest}'`);
      const tag = m[1]!;
      const value =
        m[2] === undefined || m[2] === ""
          ? this.nested(owner, inSeq, line.no)
          : this.inline(m[2], line.no, owner, true);
      const out: JsonObject = {};
      setJsonProperty(out, tag, value);
      return out;
    }
    return this.inline(rest, line.no, owner, true);
  }

  /** The block nested under an indicator with nothing after it (or null when there is none). */
  nested(owner: number, inSeq: boolean, no: number): JsonValue {
    const next = this.cur;
    if (!next) return null;
    if (next.indent > owner) return this.node(next.indent);
    if (!inSeq && next.indent === owner && isSeqItem(next.text)) return this.sequence(owner);
    if (next.no === no) fail(no, "internal: nested block on the same line");
    return null;
  }

  /** A value written on one line: literal block header, flow collection or scalar. */
  inline(text: string, no: number, owner: number, allowBlock: boolean): JsonValue {
    if (allowBlock && /^\|[-+]?$/.test(text)) return this.literal(text, owner);
    if (text.startsWith(">") || text.startsWith("|"))
      fail(no, "folded or indented block scalars are not supported");
    if (text.startsWith("&") || text.startsWith("*"))
      fail(no, "anchors and aliases are not supported");
    if (text.startsWith("{") || text.startsWith("[")) return parseFlow(text, no, fail);
    if (text.startsWith("'") || text.startsWith('"')) {
      const { value, end } = parseScalarToken(text, 0, no, fail);
      if (text.slice(end).trim() !== "")
        fail(no, `unexpected text after quoted scalar: '${text.slice(end)}'`);
      return value;
    }
    return resolvePlain(text, no, fail);
  }

  /** Literal block scalar (`|`, `|-`, `|+`): raw lines indented deeper than the owner. */
  literal(header: string, owner: number): string {
    const body: string[] = [];
    let blockIndent = -1;
    while (this.idx < this.lines.length) {
      const line = this.lines[this.idx]!;
      const raw = line.raw;
      const ind = raw.length - raw.replace(/^ +/, "").length;
      if (raw.trim() !== "") {
        if (ind <= owner) break;
        if (blockIndent < 0) blockIndent = ind;
        if (ind < blockIndent) break;
        body.push(raw.slice(blockIndent));
      } else {
        body.push("");
      }
      this.idx++;
    }
    while (body.length > 0 && body[body.length - 1] === "" && header !== "|+") body.pop();
    const text = body.join("\n");
    if (header === "|-") return text;
    return body.length > 0 ? `${text}\n` : "";
  }
}

function resolveKey(text: string, no: number): string {
  if (text.startsWith("'") || text.startsWith('"')) {
    const { value } = parseScalarToken(text, 0, no, fail);
    return value;
  }
  const v = resolvePlain(text, no, fail);
  if (v !== null && typeof v === "object") fail(no, "complex keys are not supported");
  return text;
}

/**
 * Parses the YAML subset written by serde_yaml_ng for Icechunk's `RepositoryConfig` into a JSON
 * value; `!tag value` becomes `{tag: value}`. Throws `CorruptObjectError` outside the subset.
 */
export function parseYamlConfig(text: string): JsonValue {
  const lines: Line[] = [];
  const rawLines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  // Literal blocks need the raw lines, so keep blank and comment lines with empty `text`.
  rawLines.forEach((raw, i) => {
    const no = i + 1;
    const body = raw.replace(/^ +/, "");
    if (body.startsWith("\t")) fail(no, "tabs in indentation are not allowed");
    lines.push({ no, indent: raw.length - body.length, text: stripComment(body).trimEnd(), raw });
  });
  const bad = lines.find(
    (l) => l.text.startsWith("%") || (l.text.startsWith("---") && l.text !== "---"),
  );
  if (bad) fail(bad.no, "directives and inline document markers are not supported");
  if (lines.filter((l) => l.text === "---").length > 1)
    fail(1, "multiple documents are not supported");
  return parseLines(new Parser(lines));
}

function parseLines(p: Parser): JsonValue {
  const first = p.cur;
  if (!first) return null;
  const value = p.node(first.indent);
  const extra = p.cur;
  if (extra) fail(extra.no, `unexpected content '${extra.text}' (check the indentation)`);
  return value;
}
