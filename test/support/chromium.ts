/**
 * @module test/support/chromium
 * Debian's headless Chromium through playwright-core, with the flags the browser tests use (no
 * sandbox in containers, no GPU, no QUIC, no background traffic).
 */
import { type Browser, chromium } from "playwright-core";

/** Launches /usr/bin/chromium headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
