// Audits the live dashboard with a match on screen, as an on-call engineer meets it on a keyboard, a screen reader or
// a phone, in one Chromium: axe-core's WCAG 2.0/2.1/2.2 A/AA rules; a keyboard-only session (Tab to the editor, type an
// interest, Enter; Tab to the interest's ✕; on to the live list's pause, Enter, and again to resume; to the match's 👎,
// Enter; back to the ✕, Enter; back to a chart's table, Enter) that records what each Tab focused (role and accessible
// name, and the focus indicator drawn) and where focus lands after each action; what the live list's status says as
// matches arrive (every text it showed) and that focus stays; whether highlighted words differ by more than colour;
// each chart's lines (colour and dash, as drawn on the canvas) beside its legend's swatches; the page's language and
// heading levels; and the same page on a 360-pixel-wide screen with reduced motion (page width, controls off screen or
// too small for a finger, the arrival animation).
// Usage: node drive-accessibility.mjs <base url> <user id> <token>. Prints one JSON line; exit 0 on success.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { collectErrors, launchChromium } from "./chromium.mjs";

const [base, user, token] = process.argv.slice(2);
const axeSource = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const interest = { id: "a11y-db", text: "postgresql database performance tuning", require: "postgresql" };
const message = "slow postgresql queries after the database upgrade";
const STEP_TIMEOUT_MS = 30_000;
const PHONE_WIDTH = 360;
const MAX_TABS = 60; // more than the page's controls with a few matches shown

const browser = await launchChromium();
try {
  const errors = [];
  // axe is added as an init script (not a <script> tag), which the silo's Content-Security-Policy does not govern.
  const open = async (options, path) => {
    const context = await browser.newContext(options);
    await context.addInitScript({ content: axeSource });
    await context.addInitScript(recordPage);
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    collectErrors(page, errors);
    await page.goto(`${base}/dashboard/${path}#token=${encodeURIComponent(token)}`);
    return page;
  };

  const desk = await open({ viewport: { width: 1440, height: 900 } }, `?user=${encodeURIComponent(user)}`);
  await desk.waitForFunction(() => document.getElementById("stream-state").textContent.startsWith("no interests yet"));

  // Keyboard only: Tab from the top of the page to the editor, type the interest, Enter submits it.
  const walk = [];
  await tabUntil(desk, walk, () => document.activeElement?.id === "interest-id");
  await desk.keyboard.type(interest.id);
  await desk.keyboard.press("Tab");
  await desk.keyboard.type(interest.text);
  await tabUntil(desk, walk, () => document.activeElement?.id === "interest-require");
  await desk.keyboard.type(interest.require);
  await desk.keyboard.press("Enter");
  await desk.waitForSelector(`#interests tr[data-interest-id="${interest.id}"]`);
  await desk.waitForFunction(() => document.getElementById("stream-state").textContent.startsWith("streaming"));
  const storedByKeyboard = (await storedInterest(desk, interest.id))?.text ?? null;

  // Three matches arrive at once while focus is in the editor: the list's status sums them up once, and focus stays
  // where it was.
  const focusedBefore = await focused(desk);
  await score(desk, message, `${message} on the primary`, `${message} in staging`);
  const match = desk.locator(`#matches .match[data-interest-id="${interest.id}"]`).first();
  await desk.waitForFunction(() => document.querySelectorAll("#matches .match").length >= 3);
  await desk.waitForFunction(() => window.announced.length > 0);
  const focusKeptOnArrival = focusedBefore === await focused(desk);
  const arrivalAnnouncements = await desk.evaluate(() => window.announced.slice());
  // What is live: the list itself (read match by match) or a status beside it.
  const live = await desk.evaluate(() => ({
    list: document.getElementById("matches").closest("[aria-live], [role=log], [role=status]")?.id ?? null,
    status: [...document.querySelectorAll("#stream [role=status], #stream [aria-live]")].map(e => `${e.id} ${e.getAttribute("aria-live") ?? "polite"}`),
  }));
  const markStyle = await match.locator("mark").first().evaluate(m => {
    const style = getComputedStyle(m);
    return { textDecoration: style.textDecorationLine, borderBottom: style.borderBottomStyle };
  });
  const matchSnapshot = await match.ariaSnapshot();
  const deskViolations = await violations(desk);

  // A phone: 360 pixels wide, reduced motion asked for; the user's match (from its history) on screen.
  const phone = await open({ viewport: { width: PHONE_WIDTH, height: 740 }, reducedMotion: "reduce", isMobile: true, hasTouch: true },
    `?user=${encodeURIComponent(user)}`);
  await phone.locator("#matches .match mark").first().waitFor();
  const pageWidth = await phone.evaluate(() => document.documentElement.scrollWidth);
  // Each control, scrolled into view (a wide table may scroll in its own box), must lie within the screen.
  const offScreen = await phone.evaluate(width => [...document.querySelectorAll("a[href], button, input, select, textarea")]
    .filter(e => e.offsetParent !== null)
    .filter(e => {
      e.scrollIntoView({ block: "center", inline: "nearest" });
      const r = e.getBoundingClientRect();
      return r.left < 0 || r.right > width;
    })
    .map(e => e.id || `${e.tagName.toLowerCase()}.${e.className}`), PHONE_WIDTH);
  // A finger's targets: WCAG 2.2's minimum, 24 by 24 pixels (a checkbox by its label, which toggles it too).
  const smallTargets = await phone.evaluate(() => [...document.querySelectorAll("a[href], button, input")]
    .filter(e => e.offsetParent !== null)
    .map(e => ({ e, r: (e.type === "checkbox" && e.closest("label") || e).getBoundingClientRect() }))
    .filter(({ r }) => r.width < 24 || r.height < 24)
    .map(({ e, r }) => `${e.id || `${e.tagName.toLowerCase()}.${e.className}`} ${Math.round(r.width)}x${Math.round(r.height)}`));
  const arrivalAnimation = await phone.locator("#matches .match").first().evaluate(m => getComputedStyle(m).animationName);
  const colorScheme = await phone.evaluate(() => getComputedStyle(document.documentElement).colorScheme);
  const phoneViolations = await violations(phone);

  // Keyboard only: on from the editor to the interest's ✕. A match arriving meanwhile makes the interests' rows anew
  // (their rates, as every 10 s): focus stays on that ✕, in its new row.
  await tabUntil(desk, walk, () => document.activeElement?.matches("#interests button.remove"));
  const focusedBeforeRebuild = await focusedName(desk);
  const announcedBeforeReplica = await desk.evaluate(() => window.announced.length);
  await score(desk, `${message} on the replica`);
  await desk.waitForFunction(() => document.querySelectorAll("#matches .match").length >= 4);
  const focusedAfterRebuild = await focusedName(desk);

  // Keyboard only: on to the live list's pause, Enter. Matches arriving while paused are counted (their interest's rate)
  // but not listed, and focus stays; Enter again resumes the list, which adds them. One of them, scored again with its
  // source id (as a retried batch is), comes again with its match id while held: it is held, counted and listed once.
  // The message scored after it, in order, is the second counted: by then the repeat has arrived.
  await tabUntil(desk, walk, () => document.activeElement?.id === "pause-matches");
  await desk.keyboard.press("Enter");
  const pausedName = await focusedName(desk);
  const pausedStatus = await desk.locator("#matches-summary").textContent();
  // The replica's match, listed before the pause: summed up by its own summary, or with the pause within its 10 s.
  const announcedFromReplicaToPause = await desk.evaluate(from => window.announced.slice(from), announcedBeforeReplica);
  const listedBeforePause = await desk.locator("#matches .match").count();
  const rate = desk.locator(`#interests tr[data-interest-id="${interest.id}"] .count`);
  const rateBeforePause = Number(await rate.textContent());
  const held = `${message} while paused`;
  await scoreWithSource(desk, held, "a11y/held");
  await scoreWithSource(desk, held, "a11y/held");
  await scoreWithSource(desk, `${message} after the held one`, "a11y/after-held");
  await desk.waitForFunction(([id, before]) => Number(document.querySelector(`#interests tr[data-interest-id="${id}"] .count`).textContent) >= before + 2,
    [interest.id, rateBeforePause]);
  const listedWhilePaused = await desk.locator("#matches .match").count();
  const focusKeptWhilePaused = await desk.evaluate(() => document.activeElement?.id);
  await desk.keyboard.press("Enter");
  const resumedName = await focusedName(desk);
  const resumedStatus = await desk.locator("#matches-summary").textContent();
  const listedAfterResume = await desk.locator("#matches .match").count();
  const heldListed = await desk.locator("#matches .match").filter({ hasText: held }).count();
  const countedWhilePaused = Number(await rate.textContent()) - rateBeforePause;

  // The oldest match's user has focus (put there directly: Tab would take 4 presses a match) when 200 more arrive, more
  // than the list keeps: that match stays listed and focused; the list drops older ones.
  const oldest = desk.locator("#matches .match").last();
  await oldest.evaluate(item => { item.dataset.focusedByTest = "true"; item.querySelector("button.user-link").focus(); });
  const rateBeforeFlood = Number(await rate.textContent());
  await score(desk, ...Array.from({ length: 200 }, (_, i) => `${message} on shard ${i}`));
  await desk.waitForFunction(([id, before]) => Number(document.querySelector(`#interests tr[data-interest-id="${id}"] .count`).textContent) >= before + 200,
    [interest.id, rateBeforeFlood]);
  const afterFlood = await desk.evaluate(() => ({ listed: document.querySelectorAll("#matches .match").length,
    focusKept: document.activeElement.closest(".match")?.dataset.focusedByTest === "true" }));
  await desk.focus("#pause-matches"); // back where the keyboard walk left off

  // Keyboard only: on to the newest match's 👎, Enter gives the feedback; focus stays on the button.
  await tabUntil(desk, walk, () => document.activeElement?.matches('#matches .match:first-child button.feedback[data-relevant="false"]'));
  const feedbackButtonName = await focusedName(desk);
  await desk.keyboard.press("Enter");
  await match.locator("button.feedback.given").waitFor();
  const afterFeedback = await focusedName(desk);
  const feedback = await desk.evaluate(async u => (await fetch(`../users/${u}/feedback`,
    { headers: { authorization: `Bearer ${sessionStorage.getItem("streamattention.token")}` } })).json(), user);

  // Keyboard only: back to the interest's ✕ (Shift+Tab), Enter removes it; focus goes on in the editor, not to the page.
  await tabUntil(desk, walk, () => document.activeElement?.matches("#interests button.remove"), "Shift+Tab");
  const removeButtonName = await focusedName(desk);
  const editButtonName = await desk.locator("#interests button.edit").first().ariaSnapshot();
  await desk.keyboard.press("Enter");
  await desk.waitForSelector(`#interests tr[data-interest-id="${interest.id}"]`, { state: "detached" });
  const afterRemoval = await desk.evaluate(() => document.activeElement === document.body ? null : document.activeElement.id || document.activeElement.tagName);

  // Keyboard only: back to the throughput chart's table (Shift+Tab), Enter opens it; its "out" row's newest value is the
  // matches-out tile's (read in one step: both are written in one statistics update).
  await tabUntil(desk, walk, () => document.activeElement?.matches("figure:has(#chart-throughput) summary"), "Shift+Tab");
  const chartTableName = await focusedName(desk);
  await desk.keyboard.press("Enter");
  await desk.locator("#table-throughput tbody tr").first().waitFor();
  const chartTable = await desk.evaluate(() => {
    const rows = id => [...document.querySelectorAll(`#${id} tbody tr`)].map(row => [...row.cells].map(cell => cell.textContent));
    return { open: document.querySelector("figure:has(#chart-throughput) details").open, throughput: rows("table-throughput"),
      latency: rows("table-latency"), batches: rows("table-batches"), rateOut: document.getElementById("rate-out").textContent };
  });
  const chartTableSnapshot = await desk.locator("#table-throughput").ariaSnapshot();
  // Each chart's lines as last drawn (colour, dash) and its legend's swatches (name, colour, line style).
  const charts = await desk.evaluate(() => {
    const hex = rgb => "#" + rgb.match(/\d+/g).slice(0, 3).map(n => Number(n).toString(16).padStart(2, "0")).join("");
    return Object.fromEntries(["chart-throughput", "chart-latency"].map(id => [id, {
      lines: window.strokes[id] ?? [],
      legend: [...document.getElementById(id).closest("figure").querySelectorAll(".legend i")].map(swatch => {
        const style = getComputedStyle(swatch);
        return { name: swatch.nextSibling.textContent.trim(), color: hex(style.borderTopColor), style: style.borderTopStyle };
      }),
    }]));
  });
  const page = await desk.evaluate(() => ({ lang: document.documentElement.lang,
    headings: [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map(h => Number(h.tagName[1])) }));

  console.log(JSON.stringify({ storedByKeyboard, focusKeptOnArrival, arrivalAnnouncements, live, markStyle,
    afterFlood, pausedName, pausedStatus, announcedFromReplicaToPause, listedBeforePause, listedWhilePaused, focusKeptWhilePaused, resumedName, resumedStatus, listedAfterResume, heldListed, countedWhilePaused,
    chartTableName, chartTable, chartTableSnapshot, charts, page, matchSnapshot, deskViolations,
    focusedBeforeRebuild, focusedAfterRebuild, feedbackButtonName, afterFeedback, feedback, removeButtonName, editButtonName, afterRemoval, walk,
    pageWidth, offScreen, smallTargets, arrivalAnimation, colorScheme, phoneViolations, errors }));
} finally {
  await browser.close();
}

/**
 * Presses `key` until `reached` holds in the page, recording in `walk` each element it focused: its role and accessible
 * name (Playwright's ARIA snapshot), whether a focus indicator is drawn (an outline or a box shadow) and the outline.
 */
async function tabUntil(page, walk, reached, key = "Tab") {
  for (let i = 0; i < MAX_TABS; i++) {
    await page.keyboard.press(key);
    const { indicator, outline } = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement);
      return { indicator: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none",
        outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}` };
    });
    walk.push({ element: await focusedName(page), indicator, outline });
    if (await page.evaluate(reached)) return;
  }
  throw new Error(`${MAX_TABS} presses of ${key} did not reach ${reached}`);
}

/** The focused element's role and accessible name (Playwright's ARIA snapshot); null where the page itself has focus. */
async function focusedName(page) {
  return await page.evaluate(() => document.activeElement === document.body) ? null : page.locator(":focus").ariaSnapshot();
}

/** What has focus, as a string to compare. */
function focused(page) {
  return page.evaluate(() => document.activeElement?.id || document.activeElement?.outerHTML.slice(0, 80));
}

/** axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules on the page as it is: each violation's rule, impact and elements. */
async function violations(page) {
  const result = await page.evaluate(() => axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } }));
  return result.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.map(n => `${n.target.join(" ")}: ${n.failureSummary}`) }));
}

async function score(page, ...texts) {
  await post(page, { texts });
}

/** Scores a text with its source id: scored again with the same id, its match comes again with the same match id. */
async function scoreWithSource(page, text, sourceId) {
  await post(page, { texts: [text], sourceIds: [sourceId] });
}

async function post(page, body) {
  const status = await page.evaluate(async b => (await fetch("../score", { method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${sessionStorage.getItem("streamattention.token")}` },
    body: JSON.stringify(b) })).status, body);
  if (status !== 200) throw new Error(`POST /score answered ${status}`);
}

/** The user's interest as GET /users/{user}/interests returns it, read with the page's token. */
async function storedInterest(page, id) {
  return page.evaluate(async ([u, i]) => {
    const response = await fetch(`../users/${encodeURIComponent(u)}/interests`, { headers: { authorization: `Bearer ${sessionStorage.getItem("streamattention.token")}` } });
    return (await response.json()).interests.find(interest => interest.id === i) ?? null;
  }, [user, id]);
}

/**
 * Run in the page before its scripts: collects into window.announced each text the live list's status shows, and into
 * window.strokes, by canvas id, the lines (2 pixels wide: a chart's series) of each chart's last drawing, with their
 * colour and dash (the axis' 1-pixel lines come first in each drawing and start it anew).
 */
function recordPage() {
  window.announced = [];
  document.addEventListener("DOMContentLoaded", () => {
    const status = document.getElementById("matches-summary");
    if (!status) return;
    new MutationObserver(() => { if (status.textContent) window.announced.push(status.textContent); })
      .observe(status, { childList: true, characterData: true, subtree: true });
  });
  window.strokes = {};
  const drawing = {};
  const stroke = CanvasRenderingContext2D.prototype.stroke;
  CanvasRenderingContext2D.prototype.stroke = function (...args) {
    const id = this.canvas.id;
    if (this.lineWidth === 2) {
      if (!drawing[id]) window.strokes[id] = [];
      window.strokes[id].push({ color: this.strokeStyle, dash: this.getLineDash().join(",") });
    }
    drawing[id] = this.lineWidth === 2;
    return stroke.apply(this, args);
  };
}
