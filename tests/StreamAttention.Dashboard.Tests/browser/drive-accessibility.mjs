// Audits the live dashboard with a match on screen, as an on-call engineer meets it on a keyboard, a screen reader or
// a phone, in one Chromium: axe-core's WCAG 2.1 A/AA rules; a keyboard-only session (Tab to the editor, type an
// interest, Enter; Tab to the match's 👎, Enter; Tab to the interest's ✕, Enter) that records what each Tab focused
// (role and accessible name, and whether a focus indicator is drawn) and where focus lands after each action; whether a
// new match is announced (aria-live) without taking focus and its highlighted words differ by more than colour; and the
// same page on a 360-pixel-wide screen with reduced motion (page width, controls off screen or too small for a finger,
// the arrival animation).
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

  // A match arrives while focus is in the editor: it is announced by its list, and focus stays where it was.
  const focusedBefore = await focused(desk);
  await score(desk, message);
  const match = desk.locator(`#matches .match[data-interest-id="${interest.id}"]`).first();
  await match.locator("mark").first().waitFor();
  const focusKeptOnArrival = focusedBefore === await focused(desk);
  const live = await desk.evaluate(() => {
    const region = document.getElementById("matches").closest("[aria-live], [role=log], [role=status]");
    return region ? region.getAttribute("aria-live") ?? { log: "polite", status: "polite" }[region.getAttribute("role")] : null;
  });
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
  await score(desk, `${message} on the replica`);
  await desk.waitForFunction(() => document.querySelectorAll("#matches .match").length >= 2);
  const focusedAfterRebuild = await focusedName(desk);

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

  console.log(JSON.stringify({ storedByKeyboard, focusKeptOnArrival, live, markStyle, matchSnapshot, deskViolations,
    focusedBeforeRebuild, focusedAfterRebuild, feedbackButtonName, afterFeedback, feedback, removeButtonName, editButtonName, afterRemoval, walk,
    pageWidth, offScreen, smallTargets, arrivalAnimation, colorScheme, phoneViolations, errors }));
} finally {
  await browser.close();
}

/**
 * Presses `key` until `reached` holds in the page, recording in `walk` each element it focused: its role and accessible
 * name (Playwright's ARIA snapshot) and whether a focus indicator is drawn (an outline or a box shadow).
 */
async function tabUntil(page, walk, reached, key = "Tab") {
  for (let i = 0; i < MAX_TABS; i++) {
    await page.keyboard.press(key);
    const indicator = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement);
      return (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none";
    });
    walk.push({ element: await focusedName(page), indicator });
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

/** axe-core's WCAG 2.0 and 2.1 A and AA rules on the page as it is: each violation's rule, impact and elements. */
async function violations(page) {
  const result = await page.evaluate(() => axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }));
  return result.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.map(n => `${n.target.join(" ")}: ${n.failureSummary}`) }));
}

async function score(page, text) {
  const status = await page.evaluate(async t => (await fetch("../score", { method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${sessionStorage.getItem("streamattention.token")}` },
    body: JSON.stringify({ texts: [t] }) })).status, text);
  if (status !== 200) throw new Error(`POST /score answered ${status}`);
}

/** The user's interest as GET /users/{user}/interests returns it, read with the page's token. */
async function storedInterest(page, id) {
  return page.evaluate(async ([u, i]) => {
    const response = await fetch(`../users/${encodeURIComponent(u)}/interests`, { headers: { authorization: `Bearer ${sessionStorage.getItem("streamattention.token")}` } });
    return (await response.json()).interests.find(interest => interest.id === i) ?? null;
  }, [user, id]);
}
