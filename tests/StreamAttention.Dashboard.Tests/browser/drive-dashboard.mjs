// Drives the live dashboard in Debian's headless Chromium: add an interest with a require list in the editor and read
// it back through the API, score a matching message through POST /score, wait for the match to arrive with highlighted
// words, take a screenshot, check that the page opened without a user shows every user's stream and picks up the
// matched user, that a page opened on the user shows the require list, give the match a 👎 and read the interest's new
// threshold, edit the interest into one the API refuses (a term both required and excluded) and read the error, remove
// the interest; and a match scored again with its source id is listed once.
// Usage: node drive-dashboard.mjs <base url> <user id> <screenshot path> <token>. Prints one JSON line; exit 0 on success.
// The page is opened with the login link's #token=…, as local mode prints it.
import { collectErrors, launchChromium } from "./chromium.mjs";

const [base, user, screenshot, token] = process.argv.slice(2);
const login = `#token=${encodeURIComponent(token)}`;

// The require list as a person types it: the API trims, lowercases and drops the empty term.
const interest = { id: "db", text: "postgresql database performance tuning", require: " PostgreSQL , database," };
const message = "slow postgresql queries after the database upgrade";
const STEP_TIMEOUT_MS = 30_000; // each wait is bounded; a slow shared machine still finishes well within it

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const errors = [];
  collectErrors(page, errors);

  await page.goto(`${base}/dashboard/?user=${encodeURIComponent(user)}${login}`);
  // A user without interests has no stream yet (the silo answers 404): it opens with the first interest.
  await page.waitForFunction(() => document.getElementById("stream-state").textContent.startsWith("no interests yet"));
  await page.fill("#interest-id", interest.id);
  await page.fill("#interest-text", interest.text);
  await page.fill("#interest-require", interest.require);
  await page.click("#add-interest");
  await page.waitForSelector(`#interests tr[data-interest-id="${interest.id}"]`);
  await page.waitForFunction(() => document.getElementById("stream-state").textContent.startsWith("streaming"));
  const shownRequire = await page.locator(`#interests tr[data-interest-id="${interest.id}"] .require`).textContent();
  const storedRequire = (await storedInterest(page, user, interest.id)).require;

  const scored = await page.evaluate(async text => {
    const response = await fetch("../score", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${sessionStorage.getItem("streamattention.token")}` }, body: JSON.stringify({ texts: [text] }) });
    return response.status;
  }, message);

  const match = page.locator(`#matches .match[data-interest-id="${interest.id}"]`).first();
  await match.locator("mark").first().waitFor();
  const marks = await match.locator("mark").allTextContents();
  const text = await match.locator(".text").textContent();
  const score = await match.locator(".score").textContent();
  const delivery = await match.locator(".delivery").textContent();
  const rate = await page.locator(`#interests tr[data-interest-id="${interest.id}"] .count`).textContent();
  // Two statistics polls later the page counts the scored text (by POST /score, apart from the stream's messages in).
  await page.waitForFunction(() => document.getElementById("total-on-request").textContent !== "0");
  await page.waitForTimeout(2200);
  await page.screenshot({ path: screenshot, fullPage: true });

  // A newcomer opens the page without ?user=: it shows every user's live stream and edits the user of the first match.
  const overview = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  overview.setDefaultTimeout(STEP_TIMEOUT_MS);
  collectErrors(overview, errors);
  await overview.goto(`${base}/dashboard/${login}`);
  await overview.waitForFunction(() => document.getElementById("stream-state").textContent === "streaming: all users");
  const overviewAllUsers = await overview.locator("#all-users").isChecked();
  await page.evaluate(async text => fetch("../score", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${sessionStorage.getItem("streamattention.token")}` }, body: JSON.stringify({ texts: [text] }) }), message);
  await overview.locator(`#matches .match[data-interest-id="${interest.id}"] mark`).first().waitFor();
  const firstStreamedUser = await overview.locator("#matches .match").last().getAttribute("data-user-id");
  await overview.waitForFunction(() => document.querySelectorAll("#interests tr").length > 0);
  const overviewUser = await overview.inputValue("#user-id");
  // Opened on the user, the page loads the interest with its require list, and ✎ puts it into the form.
  await overview.goto(`${base}/dashboard/?user=${encodeURIComponent(user)}`);
  const loadedRow = overview.locator(`#interests tr[data-interest-id="${interest.id}"]`);
  const loadedRequire = await loadedRow.locator(".require").textContent();
  await loadedRow.locator("button.edit").click();
  const editedRequire = await overview.inputValue("#interest-require");
  await overview.close();

  // A match scored again with its source id (as a retried batch is) comes again on the stream with its match id: the
  // list shows it once. A later message, published after it in order, says when the repeat has arrived.
  const repeated = `${message} on the replica`;
  const following = `${message} on the primary`;
  const matchesWith = text => page.locator("#matches .match").filter({ hasText: text });
  await scoreWithSource(page, repeated, "browser/repeated");
  await matchesWith(repeated).first().waitFor();
  await scoreWithSource(page, repeated, "browser/repeated");
  await scoreWithSource(page, following, "browser/following");
  await matchesWith(following).first().waitFor();
  const repeatedShown = await matchesWith(repeated).count();

  // 👎 on the newest match (a duplicate of the first by now) moves its interest's threshold; the buttons are then disabled and the panel counts the feedback.
  await match.locator('button.feedback[data-relevant="false"]').click();
  await match.locator("button.feedback.given").waitFor();
  const feedbackTitle = await match.locator("button.feedback.given").getAttribute("title");
  await page.waitForFunction(() => document.getElementById("feedback").textContent !== "0");
  const feedback = await page.evaluate(async u => (await (await fetch(`../users/${u}/feedback`, { headers: { authorization: `Bearer ${sessionStorage.getItem("streamattention.token")}` } })).json()), user);

  // An edit the API refuses (a term both required and excluded) shows its problem and leaves the interest as it was.
  await page.click(`#interests tr[data-interest-id="${interest.id}"] button.edit`);
  await page.fill("#interest-exclude", "Database");
  await page.click("#add-interest");
  await page.waitForFunction(() => document.getElementById("editor-error").textContent !== "");
  const refused = await page.textContent("#editor-error");
  const afterRefusal = await storedInterest(page, user, interest.id);

  // Removing the interest in the editor removes it from the user's stored interests.
  await page.click(`#interests tr[data-interest-id="${interest.id}"] button.remove`);
  await page.waitForSelector(`#interests tr[data-interest-id="${interest.id}"]`, { state: "detached" });
  const remaining = await page.evaluate(async u => (await (await fetch(`../users/${u}/interests`, { headers: { authorization: `Bearer ${sessionStorage.getItem("streamattention.token")}` } })).json()).interests.length, user);
  console.log(JSON.stringify({ scored, marks, text, score, rate, remaining, overviewAllUsers, overviewUser, firstStreamedUser, delivery, feedbackTitle, feedback,
    shownRequire, storedRequire, loadedRequire, editedRequire, refused, afterRefusal, repeatedShown, errors }));
} finally {
  await browser.close();
}

/** Scores one text through POST /score with its source id, with the page's token. */
async function scoreWithSource(page, text, sourceId) {
  const status = await page.evaluate(async ([t, s]) => (await fetch("../score", { method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${sessionStorage.getItem("streamattention.token")}` },
    body: JSON.stringify({ texts: [t], sourceIds: [s] }) })).status, [text, sourceId]);
  if (status !== 200) throw new Error(`POST /score answered ${status}`);
}

/** The user's interest as GET /users/{user}/interests returns it, read with the page's token. */
async function storedInterest(page, user, id) {
  return page.evaluate(async ([u, i]) => {
    const response = await fetch(`../users/${encodeURIComponent(u)}/interests`, { headers: { authorization: `Bearer ${sessionStorage.getItem("streamattention.token")}` } });
    return (await response.json()).interests.find(interest => interest.id === i) ?? null;
  }, [user, id]);
}
