/**
 * @module util/rust-regex
 * Regexes from repository configs are written for Rust's `regex` crate. The common syntax is the
 * same in JavaScript; the difference configs actually use is a leading group of inline flags
 * (`(?i)`, `(?is)`, …), which JavaScript (before ES2025 modifiers) rejects — it becomes RegExp
 * flags here.
 */

/**
 * Compiles a Rust-syntax pattern (Unicode mode, as Rust always is).
 * @throws {SyntaxError} when JavaScript cannot compile it.
 */
export function rustRegex(source: string): RegExp {
  const m = /^\(\?([imsxU]+)\)/.exec(source);
  if (!m) return new RegExp(source, "u");
  let flags = "u";
  for (const f of new Set(m[1]!)) {
    if (f === "i" || f === "m" || f === "s") flags += f;
    // Rust's x (verbose) and U (swap greed) have no JavaScript flag
    else throw new SyntaxError(`inline flag '${f}' has no JavaScript equivalent`);
  }
  return new RegExp(source.slice(m[0].length), flags);
}
