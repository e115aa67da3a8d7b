// Screenshots of the staff app's policy-figure pages in Debian's headless Chromium (playwright-core).
//
//   node tests/browser/staff_figure_page.mjs http://127.0.0.1:5080 <user> <password> /figures/facts/poor_rate [more paths]
//
// Logs in through the login form like a person, then saves a full-page screenshot of each
// path to $TEST_OUTPUT/browser/staff-<path>.png (default test-output/). For looking at the
// pages, not a test: it fails only if the login or a page does not load.

import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const [base, user, password, ...paths] = process.argv.slice(2);
const OUT = path.join(process.env.TEST_OUTPUT || "test-output", "browser");
fs.mkdirSync(OUT, { recursive: true });

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: "vi-VN" });
  await page.goto(`${base}/login`);
  await page.fill("#username", user);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  if (page.url().includes("/login")) throw new Error("login failed");
  for (const target of paths) {
    const response = await page.goto(base + target);
    if (!response || response.status() >= 400) throw new Error(`${target}: ${response && response.status()}`);
    const file = path.join(OUT, `staff-${target.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "")}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(file);
  }
} finally {
  await browser.close();
}
