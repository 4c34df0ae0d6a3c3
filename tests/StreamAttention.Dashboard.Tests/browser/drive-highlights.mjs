// Marks a message's words by the highlights the silo reports, in the dashboard page itself: the silo folds words
// (NFKC_Casefold; the uncased models also drop accents), the page shows the message as written.
// Usage: node drive-highlights.mjs <base url> <operator token> <message text> <highlights: JSON array of tokens>.
// Prints one JSON line (the marked words, in order); exit 0 on success.
import { collectErrors, launchChromium } from "./chromium.mjs";

const [base, token, text, tokensJson] = process.argv.slice(2);

const browser = await launchChromium();
try {
  const errors = [];
  const page = await browser.newPage();
  page.setDefaultTimeout(30_000);
  collectErrors(page, errors);
  await page.goto(`${base}/dashboard/#token=${encodeURIComponent(token)}`);
  const marks = await page.evaluate(({ text, tokens }) =>
    [...highlighted(text, tokens.map(token => ({ token, weight: 0.5 }))).querySelectorAll("mark")].map(m => m.textContent),
    { text, tokens: JSON.parse(tokensJson) });
  console.log(JSON.stringify({ marks, errors }));
} finally {
  await browser.close();
}
