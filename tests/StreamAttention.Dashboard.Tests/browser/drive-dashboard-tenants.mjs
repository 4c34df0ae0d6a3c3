// Drives the dashboard for users who live in a tenant: an operator opens the page on a tenant user's key
// ("tenant/user"), adds an interest in the editor and sees it stored under the tenant's routes, then removes it; a
// plain user's page (role "user") opens on its own interests and stream, not on every user's, which it may not read.
// Usage: node drive-dashboard-tenants.mjs <base url> <tenant> <user id> <operator token> <user token>. Prints one JSON
// line; exit 0 on success.
import { collectErrors, launchChromium } from "./chromium.mjs";

const [base, tenant, user, operatorToken, userToken] = process.argv.slice(2);
const key = `${tenant}/${user}`;
const STEP_TIMEOUT_MS = 30_000;

const browser = await launchChromium();
try {
  const errors = [];
  const open = async (path, token) => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    collectErrors(page, errors);
    await page.goto(`${base}/dashboard/${path}#token=${encodeURIComponent(token)}`);
    return page;
  };
  const storedIds = (page, path) => page.evaluate(async p => {
    const response = await fetch(p, { headers: { authorization: `Bearer ${sessionStorage.getItem("streamattention.token")}` } });
    return response.ok ? (await response.json()).interests.map(i => i.id) : `HTTP ${response.status}`;
  }, path);

  // The operator, on the tenant user's key.
  const operator = await open(`?user=${encodeURIComponent(key)}`, operatorToken);
  // The user has no interests yet, so no stream (the silo answers 404): it opens with the first interest.
  await operator.waitForFunction(() => document.getElementById("stream-state").textContent.startsWith("no interests yet"));
  await operator.fill("#interest-id", "tenant-db");
  await operator.fill("#interest-text", "postgresql replication lag");
  await operator.click("#add-interest");
  await operator.waitForSelector('#interests tr[data-interest-id="tenant-db"]');
  await operator.waitForFunction(() => document.getElementById("stream-state").textContent.startsWith("streaming"));
  const operatorStream = await operator.textContent("#stream-state");
  const storedByOperator = await storedIds(operator, `../tenants/${tenant}/users/${user}/interests`);
  const editorError = await operator.textContent("#editor-error");

  // The user itself, without ?user=: its own interests (the one just added) and stream.
  const own = await open("", userToken);
  await own.waitForFunction(() => document.getElementById("stream-state").textContent.startsWith("streaming"));
  await own.waitForSelector('#interests tr[data-interest-id="tenant-db"]');
  const userStream = await own.textContent("#stream-state");
  const userField = await own.inputValue("#user-id");
  const allUsers = { checked: await own.locator("#all-users").isChecked(), disabled: await own.locator("#all-users").isDisabled() };
  await own.close();

  await operator.click('#interests tr[data-interest-id="tenant-db"] button.remove');
  await operator.waitForSelector('#interests tr[data-interest-id="tenant-db"]', { state: "detached" });
  const remaining = await storedIds(operator, `../tenants/${tenant}/users/${user}/interests`);
  console.log(JSON.stringify({ operatorStream, storedByOperator, editorError, userStream, userField, allUsers, remaining, errors }));
} finally {
  await browser.close();
}
