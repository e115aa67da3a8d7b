// Browser test of the web chat widget (Node 20+), in Debian's headless Chromium driven by playwright-core.
//
//   node tests/browser/widget.test.mjs http://127.0.0.1:5005
//
// Environment: RASA_API_TOKEN (to read trackers through Rasa's HTTP API), EXPECT_ANSWER
// (a text the rate answer must contain, e.g. "6,6%/năm"), TEST_OUTPUT (screenshots go to
// $TEST_OUTPUT/browser/, default test-output/). Run by tests/integration/test_web_widget.py
// against real servers; prints one "ok"/"not ok" line per check and exits non-zero on failure.

import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const BOT = (process.argv[2] || "http://127.0.0.1:5005").replace(/\/+$/, "");
const TOKEN = process.env.RASA_API_TOKEN || "";
const EXPECT_ANSWER = process.env.EXPECT_ANSWER || "%/năm";
// The text of an announcement approved in the staff app (set by test_web_widget.py); "" when none.
const EXPECT_ANNOUNCEMENT = process.env.EXPECT_ANNOUNCEMENT || "";
const OUT = path.join(process.env.TEST_OUTPUT || "test-output", "browser");
const QUESTION = "Lãi suất cho vay hộ nghèo là bao nhiêu?";
const XSS = "<img src=x onerror=alert(1)>";
const ANSWER_TIMEOUT = 30_000;

fs.mkdirSync(OUT, { recursive: true });
const results = [];

async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`not ok - ${name}\n  ${String(error && error.stack || error).split("\n").join("\n  ")}`);
    throw error;
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

async function tracker(sender) {
  const res = await fetch(`${BOT}/conversations/${encodeURIComponent(sender)}/tracker?token=${encodeURIComponent(TOKEN)}`);
  assert(res.ok, `tracker API answered ${res.status}`);
  return res.json();
}

function feedbackEvents(trackerJson) {
  return trackerJson.events.filter((e) => e.event === "slot" && e.name === "answer_feedback");
}

async function waitFor(fn, what, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

// A commune website on another origin that pastes the one-line embed snippet.
function communeSite() {
  const snippet = `<script src="${BOT}/webhooks/web/widget.js" data-bot-url="${BOT}" defer></script>`;
  const page = `<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>UBND xã Minh họa</title>
<style>body{font:18px Georgia,serif;margin:0;color:#333;background:#faf7f0}header{background:#8b1a1a;color:#fff;padding:18px}
main{padding:18px;max-width:760px}button{background:red;font-size:40px}.bubble{display:none}</style>
${snippet}</head><body><header><h1>Cổng thông tin điện tử xã Minh họa</h1></header>
<main><h2>Thông báo</h2><p>Lịch tiếp công dân tháng này: sáng thứ Hai và thứ Năm hằng tuần tại trụ sở UBND xã.</p>
<p>Bà con cần hỏi về vốn vay ưu đãi của Ngân hàng Chính sách xã hội có thể bấm nút "Hỏi đáp vốn vay" ở góc màn hình.</p>
</main></body></html>`;
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(page);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// The widget lives in an open shadow root: Playwright's CSS locators pierce it.
const W = {
  input: ".composer textarea",
  botTurn: ".turn-bot:not(.typing-row)",
  userBubble: ".bubble-user",
  typing: ".typing-row",
  quickReply: ".quick-reply",
};

async function ask(page, text) {
  const before = await page.locator(W.botTurn).count();
  await page.locator(W.input).fill(text);
  await page.locator(W.input).press("Enter");
  await page.waitForFunction(
    ([selector, n]) => {
      const host = document.getElementById("tdcs-chat-widget");
      return host && host.shadowRoot.querySelectorAll(selector).length > n;
    },
    [W.botTurn, before],
    { timeout: ANSWER_TIMEOUT },
  );
  // The turn that answered, by position: `.last()` would move on to later turns.
  return page.locator(W.botTurn).nth(before);
}

function senderOf(page) {
  return page.evaluate(() => localStorage.getItem("tdcs-chat-sender"));
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const site = await communeSite();
const SITE = `http://127.0.0.1:${site.address().port}/`;
let failed = false;

try {
  // ------------------------------------------------------------ the demo page, desktop
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: "vi-VN" });
  const page = await context.newPage();
  const problems = [];
  let dialogs = 0;
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    // The lost-connection check aborts a request on purpose; Chromium logs that one.
    if (m.type() === "error" && !m.text().includes("ERR_INTERNET_DISCONNECTED")) problems.push(`console: ${m.text()}`);
  });
  page.on("dialog", async (d) => { dialogs += 1; await d.dismiss(); });

  await check("demo page opens with the welcome and its quick replies", async () => {
    const res = await page.goto(`${BOT}/webhooks/web/`);
    assert(res.ok(), `page answered ${res.status()}`);
    await page.locator(W.botTurn).first().waitFor({ state: "visible" });
    assert((await page.locator(W.quickReply).count()) > 0, "no quick replies in the welcome");
    assert(await page.getByRole("textbox", { name: "Câu hỏi của anh/chị" }).isVisible(), "input has no label");
    assert((await page.locator(".log").getAttribute("aria-live")) === "polite", "log is not aria-live");
  });

  if (EXPECT_ANNOUNCEMENT) {
    await check("an approved announcement is a new conversation's first message and sits in a banner", async () => {
      const first = page.locator(W.botTurn).first();
      assert((await first.innerText()).includes(EXPECT_ANNOUNCEMENT), `first message: ${await first.innerText()}`);
      assert(await first.evaluate((n) => n.classList.contains("turn-announcement")), "not marked as the announcement");
      assert((await page.locator(W.botTurn).nth(1).locator(W.quickReply).count()) > 0, "the welcome does not follow");
      const banner = page.locator(".announcement-banner");
      assert(await banner.isVisible(), "no banner");
      assert((await banner.locator(".announcement-text").innerText()) === EXPECT_ANNOUNCEMENT, "banner text differs");
      await page.screenshot({ path: path.join(OUT, "widget-announcement.png") });
    });

    await check("the banner can be dismissed and stays closed after a reload; the announcement still opens the conversation", async () => {
      await page.getByRole("button", { name: "Đóng thông báo" }).click();
      assert(await page.locator(".announcement-banner").isHidden(), "banner still shown");
      await page.reload();
      await page.locator(W.quickReply).first().waitFor({ state: "visible" });
      assert(await page.locator(".announcement-banner").isHidden(), "banner back after a reload");
      assert((await page.locator(W.botTurn).first().innerText()).includes(EXPECT_ANNOUNCEMENT), "first message lost");
    });
  }

  let rated;
  await check("asking the rate question shows the typing indicator, then the answer with its Nguồn footer", async () => {
    // Hold the answer back a little so the typing indicator can be seen.
    await page.route("**/webhooks/rest/webhook", async (route) => {
      await new Promise((r) => setTimeout(r, 700));
      await route.continue();
    });
    await page.locator(W.input).fill(QUESTION);
    await page.locator(W.input).press("Enter");
    await page.locator(W.typing).waitFor({ state: "visible", timeout: 5000 });
    await page.locator(W.typing).waitFor({ state: "detached", timeout: ANSWER_TIMEOUT });
    await page.unroute("**/webhooks/rest/webhook");
    assert((await page.locator(W.userBubble).last().locator(".text").innerText()).includes(QUESTION), "question not shown");
    const answer = page.locator(W.botTurn).last();
    rated = answer;
    const bubble = answer.locator(".bubble-bot", { hasText: EXPECT_ANSWER });
    await bubble.waitFor({ state: "visible" });
    const source = bubble.locator(".source");
    assert(await source.isVisible(), "the answer bubble has no visible source footer");
    const sourceText = (await source.innerText()).trim();
    assert(sourceText.startsWith("Nguồn:") && sourceText.length > 12, `footer reads "${sourceText}"`);
    const style = await source.evaluate((n) => { const s = getComputedStyle(n); return [s.fontSize, s.borderTopStyle]; });
    assert(parseFloat(style[0]) < 17 && style[1] === "dashed", `footer is not set apart: ${style}`);
    const loose = await page.locator(".bubble-bot > .text", { hasText: /^Nguồn:/ }).count();
    assert(loose === 0, "a source line is shown as a bubble of its own");
    await page.screenshot({ path: path.join(OUT, "widget.png") });
  });

  await check("👎 on the answer is stored with the conversation (answer_feedback in the tracker)", async () => {
    const sender = await senderOf(page);
    await rated.getByRole("button", { name: /Chưa hữu ích/ }).click();
    await rated.locator(".feedback-status", { hasText: "Cảm ơn" }).waitFor();
    assert((await rated.locator(".feedback-button.down").getAttribute("aria-pressed")) === "true", "👎 not marked");
    const events = feedbackEvents(await tracker(sender));
    assert(events.length === 1, `${events.length} feedback events`);
    const value = events[0].value;
    assert(value.rating === "down", `rating ${value.rating}`);
    assert(value.bot_text.includes(EXPECT_ANSWER) && value.bot_text.includes("Nguồn:"), "bot_text is not the answer");
  });

  await check("a quick reply sends its payload, shows its title and gets a new answer", async () => {
    // The rate answer offers no quick replies; the advisor's question does.
    const question = await ask(page, "Nhà tôi có được vay vốn không?");
    const option = question.locator(W.quickReply).first();
    await option.waitFor();
    const title = (await option.innerText()).trim();
    const count = await page.locator(W.botTurn).count();
    const [sent] = await Promise.all([
      page.waitForRequest((r) => r.url().endsWith("/webhooks/rest/webhook") && r.method() === "POST"),
      option.click(),
    ]);
    const payload = sent.postDataJSON().message;
    await waitFor(async () => (await page.locator(W.botTurn).count()) > count, `the answer to '${title}'`, ANSWER_TIMEOUT);
    assert((await page.locator(W.userBubble).last().locator(".text").innerText()).trim() === title, "the title is not shown as the user's message");
    assert(typeof payload === "string" && payload.length > 0, "no payload sent");
    assert((await question.locator(W.quickReply).count()) === 0, "old quick replies are still offered");
    const sender = await senderOf(page);
    const users = (await tracker(sender)).events.filter((e) => e.event === "user").map((e) => e.text);
    assert(users[users.length - 1] === payload, `payload not what the bot got: ${users.join(" | ")}`);
    const answer = page.locator(W.botTurn).last();
    const answerText = (await answer.locator(".text").first().innerText()).trim();
    assert(answerText.length > 20, "no new answer after the quick reply");
    console.log(`  # quick reply "${title}" sent "${payload}"; answer starts "${answerText.slice(0, 60)}…"`);
    await page.screenshot({ path: path.join(OUT, "widget-quick-reply.png") });
  });

  await check("after a reload the conversation, its sources and the 👎 are restored", async () => {
    const sender = await senderOf(page);
    const users = await page.locator(W.userBubble).count();
    const bots = await page.locator(W.botTurn).count();
    await page.reload();
    await waitFor(async () => (await page.locator(W.userBubble).count()) === users, `${users} user messages`);
    assert((await senderOf(page)) === sender, "the sender id changed");
    // The welcome (and the announcement before it) are not stored: the restored turns are the ones after them.
    const unstored = EXPECT_ANNOUNCEMENT ? 2 : 1;
    assert((await page.locator(W.botTurn).count()) === bots - unstored, "bot turns differ after reload");
    assert((await page.locator(W.userBubble).first().locator(".text").innerText()).includes(QUESTION), "first question missing");
    const answer = page.locator(".bubble-bot", { hasText: EXPECT_ANSWER });
    assert(await answer.locator(".source").isVisible(), "source footer missing after reload");
    assert((await page.locator(".feedback-button.down").first().getAttribute("aria-pressed")) === "true", "👎 not restored");
  });

  await check("markup typed by the citizen is shown as text (no img element, no dialog)", async () => {
    await ask(page, XSS);
    await page.waitForTimeout(500);
    assert((await page.locator(W.userBubble).last().locator(".text").innerText()).trim() === XSS, "message not shown verbatim");
    const images = await page.evaluate(() => {
      const host = document.getElementById("tdcs-chat-widget");
      return document.querySelectorAll("img").length + host.shadowRoot.querySelectorAll("img").length;
    });
    assert(images === 0, `${images} img elements created`);
    assert(dialogs === 0, "a dialog was opened");
  });

  await check("a lost connection shows 'Mất kết nối' with a retry that then gets the answer", async () => {
    await page.route("**/webhooks/rest/webhook", (route) => route.abort("internetdisconnected"));
    await page.locator(W.input).fill("Thủ tục vay vốn như thế nào?");
    await page.locator(W.input).press("Enter");
    const error = page.getByRole("alert").filter({ hasText: "Mất kết nối" });
    await error.waitFor();
    await page.screenshot({ path: path.join(OUT, "widget-error.png") });
    await page.unroute("**/webhooks/rest/webhook");
    const count = await page.locator(W.botTurn).count();
    await error.getByRole("button", { name: "Thử lại" }).click();
    await waitFor(async () => (await page.locator(W.botTurn).count()) > count, "the answer after retry", ANSWER_TIMEOUT);
    assert((await page.getByRole("alert").count()) === 0, "the error stays after the retry");
  });

  await check("'Trò chuyện mới' starts a new conversation with a new id", async () => {
    const before = await senderOf(page);
    await page.getByRole("button", { name: "Trò chuyện mới" }).click();
    await page.getByRole("button", { name: "Bắt đầu" }).click();
    const after = await senderOf(page);
    assert(after !== before && /^web-[0-9a-f]{32}$/.test(after), `sender ${before} → ${after}`);
    assert((await page.locator(W.userBubble).count()) === 0, "old messages still shown");
    const opening = EXPECT_ANNOUNCEMENT ? 2 : 1; // the announcement, then the welcome
    assert((await page.locator(W.botTurn).count()) === opening, "the welcome is not shown");
    if (EXPECT_ANNOUNCEMENT) {
      assert((await page.locator(W.botTurn).first().innerText()).includes(EXPECT_ANNOUNCEMENT),
        "the new conversation does not start with the announcement");
      assert(await page.locator(".announcement-banner").isHidden(), "a dismissed banner came back");
    }
  });

  await check("no script errors or CSP violations on the demo page", async () => {
    assert(problems.length === 0, problems.join("\n"));
  });
  await context.close();

  // ------------------------------------------------------------ embedded on another site, phone
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "vi-VN",
  });
  const mobile = await phone.newPage();
  const mobileProblems = [];
  mobile.on("pageerror", (e) => mobileProblems.push(`page error: ${e.message}`));
  mobile.on("console", (m) => { if (m.type() === "error") mobileProblems.push(`console: ${m.text()}`); });

  await check("the one-line snippet on another origin shows the launcher, styled and unaffected by the site's CSS", async () => {
    await mobile.goto(SITE);
    const launcher = mobile.getByRole("button", { name: "Mở trợ lý hỏi đáp vốn vay chính sách" });
    await launcher.waitFor({ state: "visible" });
    const position = await launcher.evaluate((n) => getComputedStyle(n).position);
    assert(position === "fixed", `launcher not styled (position ${position})`);
    await mobile.screenshot({ path: path.join(OUT, "widget-embed-mobile-closed.png") });
    await launcher.tap();
    await mobile.locator(W.botTurn).first().waitFor({ state: "visible" });
    const box = await mobile.locator(".panel").boundingBox();
    assert(box.width >= 389 && box.height >= 843, `panel is not full screen on a phone: ${JSON.stringify(box)}`);
  });

  await check("cross-origin: asking, the Nguồn footer and 👍 work from the commune site", async () => {
    const answer = await ask(mobile, QUESTION);
    const bubble = answer.locator(".bubble-bot", { hasText: EXPECT_ANSWER });
    await bubble.waitFor({ state: "visible" });
    assert(await bubble.locator(".source").isVisible(), "no source footer");
    await mobile.screenshot({ path: path.join(OUT, "widget-mobile.png") });
    await answer.getByRole("button", { name: "Hữu ích", exact: true }).tap();
    await answer.locator(".feedback-status", { hasText: "Cảm ơn" }).waitFor();
    const sender = await senderOf(mobile);
    const events = feedbackEvents(await tracker(sender));
    assert(events.length === 1 && events[0].value.rating === "up", "👍 not stored");
    await mobile.locator(".log").evaluate((n) => { n.scrollTop = n.scrollHeight; });
    await mobile.screenshot({ path: path.join(OUT, "widget-mobile-feedback.png") });
  });

  await check("Escape closes the floating panel and gives focus back to the launcher", async () => {
    await mobile.locator(W.input).focus();
    await mobile.keyboard.press("Escape");
    const launcher = mobile.getByRole("button", { name: "Mở trợ lý hỏi đáp vốn vay chính sách" });
    await launcher.waitFor({ state: "visible" });
    assert(await mobile.locator(".panel").isHidden(), "panel still open");
    assert((await launcher.getAttribute("aria-expanded")) === "false", "aria-expanded not updated");
    assert(await launcher.evaluate((n) => n.getRootNode().activeElement === n), "focus not on the launcher");
  });

  await check("no script errors on the commune site", async () => {
    assert(mobileProblems.length === 0, mobileProblems.join("\n"));
  });
  await phone.close();

  // ------------------------------------------------------------ embedded, desktop
  const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "vi-VN" });
  const wide = await desktop.newPage();
  await check("on a wide screen the snippet opens a corner panel over the site", async () => {
    await wide.goto(SITE);
    await wide.getByRole("button", { name: "Mở trợ lý hỏi đáp vốn vay chính sách" }).click();
    await wide.locator(W.quickReply).first().waitFor({ state: "visible" });
    assert(await wide.locator(W.input).evaluate((n) => n.getRootNode().activeElement === n), "input not focused on open");
    const box = await wide.locator(".panel").boundingBox();
    assert(box.width <= 440 && box.x > 600 && box.y + box.height >= 760, `panel not in the corner: ${JSON.stringify(box)}`);
    await wide.screenshot({ path: path.join(OUT, "widget-embed-desktop.png") });
  });
  await desktop.close();
} catch (error) {
  failed = true;
} finally {
  await browser.close();
  site.close();
}

const passed = results.filter((r) => r.ok).length;
const failedCount = results.length - passed;
console.log(`screenshots: ${OUT}`);
console.log(`${passed} passed, ${failedCount} failed`);
process.exit(failed || failedCount ? 1 : 0);
