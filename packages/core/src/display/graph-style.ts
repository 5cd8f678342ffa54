/**
 * @module display/graph-style
 * What the text and SVG renderings of the ancestry graph share: upstream's branch palette (24-bit
 * ANSI and hex; index 0, lime, is main's), the tag colour, and how names and messages are made
 * printable.
 */
import { firstLine } from "./repr.js";

/** Branch colours (24-bit ANSI, hex); index 0, lime, is main's. Visible on dark and light. */
export const BRANCH_PALETTE: ReadonlyArray<readonly [ansi: string, hex: string]> = [
  ["\x1b[38;2;183;228;0m", "#B7E400"],
  ["\x1b[38;2;166;83;255m", "#A653FF"],
  ["\x1b[38;2;255;101;84m", "#FF6554"],
  ["\x1b[38;2;255;158;13m", "#FF9E0D"],
  ["\x1b[38;2;248;129;209m", "#F881D1"],
];
export const TAG_COLOR: readonly [ansi: string, hex: string] = ["\x1b[38;2;94;196;247m", "#5EC4F7"];

/** Text with C0/C1 control characters (ESC, NUL, …) replaced, safe for terminals and XML. */
export function printable(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "\ufffd");
}

/** A commit message's first line, at most 60 characters, printable. */
export function graphMessage(message: string): string {
  return printable(firstLine(message, 60));
}
