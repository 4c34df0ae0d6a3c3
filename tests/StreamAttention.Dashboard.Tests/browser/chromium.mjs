// Debian's headless Chromium for the driver scripts (never a downloaded browser).
import { chromium } from "playwright-core";

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    // Without the background-networking flags Chromium keeps dialling Google, which this machine's network refuses.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
}

// Collects into `errors` what a page's scripts throw and what its Content-Security-Policy refuses (Chromium logs a
// refusal to the console; nothing throws), so a driver fails on a page that no longer works under the silo's policy.
export function collectErrors(page, errors) {
  page.on("pageerror", e => errors.push(e.message));
  page.on("console", m => { if (m.type() === "error" && m.text().includes("Content Security Policy")) errors.push(m.text()); });
}
