// StreamAttention live dashboard: statistics polled from /dashboard/stats, matches from the server-sent-event
// streams, interests edited through the HTTP API. No dependencies; charts are drawn on canvases.
"use strict";

const api = ".."; // the page lives at /dashboard/
const HISTORY_POINTS = 120; // seconds of throughput and latency shown
const RATE_WINDOW_MS = 5 * 60 * 1000;
const MAX_SHOWN_MATCHES = 200;
// The live list is summed up to a screen reader at most once per interval ("12 new matches: 9 for db, 3 for alerts"),
// not read match by match: on a busy stream that left the reader no time for anything else.
const ANNOUNCE_INTERVAL_MS = 10_000;
const ANNOUNCED_INTERESTS = 3; // named in a summary, the most matched first; the others are counted together
// Each line's colour and dash: a series is told apart by its dash and its name in the legend (index.html's swatches
// have the same dash), not by its colour alone, which red-green colour blindness cannot tell (in from out, p50 from p99).
const SERIES = {
  in: { color: "--in", dash: [] },
  out: { color: "--out", dash: [6, 4] },
  p50: { color: "--p50", dash: [] },
  p95: { color: "--p95", dash: [6, 4] },
  p99: { color: "--p99", dash: [2, 3] },
};
const $ = id => document.getElementById(id);
const css = name => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

// A login link (/dashboard/#token=…, printed by local mode) hands the page a token: kept in sessionStorage (this tab
// only) and taken out of the address bar; sent as a bearer header, as access_token on the event streams (EventSource
// sends no headers), and as a cookie limited to the Orleans dashboard's path (its page sends no headers either).
const token = (() => {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromLink) {
    sessionStorage.setItem("streamattention.token", fromLink);
    history.replaceState(null, "", location.pathname + location.search);
  }
  const stored = sessionStorage.getItem("streamattention.token");
  if (stored) document.cookie = `streamattention_token=${stored}; path=/orleans; SameSite=Strict`;
  return stored;
})();
const authorized = (init = {}) => token ? { ...init, headers: { ...(init.headers ?? {}), authorization: `Bearer ${token}` } } : init;
const withToken = url => token ? `${url}?access_token=${encodeURIComponent(token)}` : url;
// A caller with a tenant (its token's "tenant" claim) sees its tenant: the "all users" stream is the tenant's, and the
// tenant's user keys ("tenant/user") are edited by their user id on the routes of the caller's tenant.
const claims = token ? JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))) : {};
const tenant = claims.role !== "operator" ? claims.tenant : undefined;
const everyoneStream = tenant ? `${api}/tenants/${encodeURIComponent(tenant)}/matches/stream` : `${api}/matches/stream`;
const userOf = key => tenant && key.startsWith(`${tenant}/`) ? key.slice(tenant.length + 1) : key;

// Without ?user= the page opens on every user's live stream and edits the first user seen in it; a user's token
// (role "user") may read only its own, so the page opens on that.
const requestedUser = new URLSearchParams(location.search).get("user");
const ownUserOnly = claims.role === "user";

const state = {
  user: requestedUser ?? (ownUserOnly ? claims.sub : ""),
  matchTimes: new Map(), // interest id -> timestamps (ms) of the selected user's recent matches
  interests: [],
  source: null,
  series: { in: [], out: [], p50: [], p95: [], p99: [] },
  previous: null,
  paused: false,
  held: [], // live matches that arrived while the list was paused, oldest first
  announcement: { count: 0, byInterest: new Map(), timer: null }, // live matches not yet summed up
};

// ---- statistics -------------------------------------------------------------------------------------------------

// The silo's statistics cover every tenant: an operator's. Anyone else (403) sees the live streams and interests only.
const statsPoll = setInterval(pollStats, 1000);

async function pollStats() {
  try {
    const response = await fetch(`${api}/dashboard/stats`, authorized());
    if (response.ok) showStats(await response.json());
    else if (response.status === 403) {
      clearInterval(statsPoll);
      document.body.classList.add("no-stats");
    } else if (response.status === 401) {
      // The token expired, or the silo restarted with another signing key: the figures would freeze unexplained.
      setBadge($("feed"), false, "", "signed out: open the dashboard link again");
    }
  } catch { /* the silo is restarting: the next poll retries */ }
}

function showStats(s) {
  $("model").textContent = `${s.model.model} · d=${s.model.dimension} · ${s.model.executionProvider}`;
  setBadge($("feed"), s.liveFeedSubscribed, "live feed on", "live feed off");
  const now = Date.parse(s.at);
  if (state.previous) {
    const seconds = Math.max((now - state.previous.at) / 1000, 0.001);
    push(state.series.in, (s.messagesIn - state.previous.messagesIn) / seconds);
    push(state.series.out, (s.matchesOut - state.previous.matchesOut) / seconds);
    $("rate-in").textContent = format(last(state.series.in));
    $("rate-out").textContent = format(last(state.series.out));
  }
  state.previous = { at: now, messagesIn: s.messagesIn, matchesOut: s.matchesOut };
  $("total-in").textContent = s.messagesIn.toLocaleString();
  $("total-on-request").textContent = s.textsScoredOnRequest.toLocaleString();
  $("total-without-known-words").textContent = s.textsWithoutKnownWords.toLocaleString();
  $("total-unknown-words").textContent = s.unknownWords.toLocaleString();
  $("total-out").textContent = s.matchesOut.toLocaleString();
  const l = s.scoringLatency;
  $("latency").textContent = l ? `${format(l.p50)} / ${format(l.p95)} / ${format(l.p99)}` : "–";
  push(state.series.p50, l ? l.p50 : 0); push(state.series.p95, l ? l.p95 : 0); push(state.series.p99, l ? l.p99 : 0);

  const ingest = s.ingest;
  const e2e = ingest.endToEndLatency;
  $("e2e").textContent = e2e ? `${format(e2e.p50)} / ${format(e2e.p95)} / ${format(e2e.p99)}` : "–";
  $("lag").textContent = ingest.publishing ? ingest.consumerLag.toLocaleString() : "0";
  $("dead").textContent = ingest.publishing ? ingest.deadLetters.toLocaleString() : "0";
  // Messages the broker removed before the ingest read them: each gap is one offsets-lost dead letter.
  $("dead-unit").textContent = !ingest.publishing ? "no ingest"
    : ingest.messagesLost > 0 ? `messages · ${ingest.messagesLost.toLocaleString()} lost unread` : "messages";
  for (const id of ["e2e-unit", "lag-unit"]) {
    if (!ingest.publishing) $(id).textContent = "no ingest";
  }

  showAttention(s.attention);
  drawLines($("chart-throughput"), ["in", "out"]);
  drawLines($("chart-latency"), ["p50", "p95", "p99"]);
  const labels = s.batchSizes.map((b, i, all) => bucketLabel(b.upTo, i > 0 ? all[i - 1].upTo : 0));
  drawBars($("chart-batches"), labels, s.batchSizes.map(b => b.runs));
  // The charts' text alternative: their values as tables, a row a series (a bucket).
  showValues($("table-throughput"), ["in", "out"].map(seriesRow));
  showValues($("table-latency"), ["p50", "p95", "p99"].map(seriesRow));
  showValues($("table-batches"), s.batchSizes.map((b, i) => [labels[i], b.runs.toLocaleString()]));
}

/** A line series' row: its name, newest value, average and highest over the chart's window. */
function seriesRow(name) {
  const values = state.series[name];
  const average = values.length > 0 ? values.reduce((sum, v) => sum + v, 0) / values.length : 0;
  return [name, format(last(values)), format(average), format(Math.max(0, ...values))];
}

function showValues(table, rows) {
  table.tBodies[0].replaceChildren(...rows.map(([name, ...values]) => {
    const row = element("tr");
    row.append(element("th", { scope: "row" }, name), ...values.map(v => element("td", {}, v)));
    return row;
  }));
}

/** Matches the delivery policies kept from interrupting anyone, by reason (every decision but "immediate"). */
function showAttention(a) {
  const decided = Object.values(a.decisions).reduce((sum, n) => sum + n, 0);
  $("avoided").textContent = a.interruptionsAvoided.toLocaleString();
  $("decided").textContent = decided.toLocaleString();
  $("digests").textContent = a.digests.toLocaleString();
  $("feedback").textContent = a.feedback.toLocaleString();
  const list = $("avoided-by-reason");
  list.replaceChildren(...Object.entries(a.decisions).filter(([kind]) => kind !== "immediate").map(([kind, count]) =>
    element("li", { class: `delivery ${kind}`, "data-kind": kind }, `${kind} ${count.toLocaleString()}`)));
}

const bucketLabel = (upTo, below) => upTo > 1e9 ? `>${below}` : upTo - below <= 1 ? `${upTo}` : `${below + 1}–${upTo}`;
const push = (series, value) => { series.push(value); if (series.length > HISTORY_POINTS) series.shift(); };
const last = series => series[series.length - 1] ?? 0;
const format = v => v >= 100 ? Math.round(v).toLocaleString() : v >= 10 ? v.toFixed(1) : v.toFixed(2);

function setBadge(badge, ok, good, bad) {
  badge.textContent = ok ? good : bad;
  badge.className = `badge ${ok ? "ok" : "bad"}`;
}

// ---- charts -----------------------------------------------------------------------------------------------------

function prepare(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const { width, height } = canvas.getBoundingClientRect();
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const g = canvas.getContext("2d");
  g.scale(ratio, ratio);
  g.font = "11px system-ui, sans-serif";
  return { g, width, height };
}

function axis(g, width, height, max, pad) {
  g.strokeStyle = css("--line"); g.fillStyle = css("--muted"); g.lineWidth = 1; g.setLineDash([]);
  for (const f of [0, 0.5, 1]) {
    const y = pad.top + (height - pad.top - pad.bottom) * (1 - f);
    g.beginPath(); g.moveTo(pad.left, y); g.lineTo(width - pad.right, y); g.stroke();
    g.fillText(format(max * f), 2, y + 4);
  }
}

/** Line series (SERIES' names; state.series' values, newest last) sharing one y axis from zero. */
function drawLines(canvas, names) {
  const { g, width, height } = prepare(canvas);
  const pad = { left: 40, right: 6, top: 8, bottom: 6 };
  const max = niceMax(Math.max(1e-9, ...names.flatMap(name => state.series[name])));
  axis(g, width, height, max, pad);
  const x = i => pad.left + (width - pad.left - pad.right) * i / (HISTORY_POINTS - 1);
  const y = v => pad.top + (height - pad.top - pad.bottom) * (1 - v / max);
  for (const name of names) {
    const values = state.series[name];
    const offset = HISTORY_POINTS - values.length;
    g.strokeStyle = css(SERIES[name].color); g.setLineDash(SERIES[name].dash); g.lineWidth = 2; g.beginPath();
    values.forEach((v, i) => i === 0 ? g.moveTo(x(i + offset), y(v)) : g.lineTo(x(i + offset), y(v)));
    g.stroke();
  }
}

function drawBars(canvas, labels, values) {
  const { g, width, height } = prepare(canvas);
  const pad = { left: 40, right: 6, top: 8, bottom: 18 };
  const max = niceMax(Math.max(1, ...values));
  axis(g, width, height, max, pad);
  const slot = (width - pad.left - pad.right) / values.length;
  values.forEach((v, i) => {
    const h = (height - pad.top - pad.bottom) * v / max;
    g.fillStyle = css("--in");
    g.fillRect(pad.left + i * slot + slot * 0.15, height - pad.bottom - h, slot * 0.7, h);
    g.fillStyle = css("--muted");
    g.fillText(labels[i], pad.left + i * slot + slot / 2 - g.measureText(labels[i]).width / 2, height - 4);
  });
}

function niceMax(v) {
  const power = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map(m => m * power).find(m => m >= v);
}

// ---- interests --------------------------------------------------------------------------------------------------

/** Loads the edited user's interests and recent matches (for the rates); returns the matches, newest first. */
async function loadUser() {
  state.matchTimes.clear();
  state.interests = [];
  $("editor-error").textContent = "";
  let recent = [];
  if (state.user) {
    const [interests, history] = await Promise.all([
      fetchJson(`${userPath(state.user)}/interests`),
      // 404: nothing is kept about the user yet (one being created here), so it has no matches.
      fetchJson(`${userPath(state.user)}/matches`, { notFoundIsNone: true }),
    ]);
    state.interests = interests?.interests ?? [];
    recent = history?.matches ?? [];
    recent.forEach(countMatch);
  }
  renderInterests();
  return recent;
}

/** Restarts the live list: the edited user's recent matches and stream, or every user's stream. */
async function restart() {
  const recent = await loadUser();
  $("matches").replaceChildren();
  state.held = []; // the previous stream's
  clearAnnouncement();
  if (!$("all-users").checked) recent.slice().reverse().forEach(match => showMatch({ userId: state.user, match }));
  connect();
}

function selectUser(user) {
  state.user = user;
  $("user-id").value = user;
  history.replaceState(null, "", `?user=${encodeURIComponent(user)}`);
}

async function fetchJson(url, { notFoundIsNone = false } = {}) {
  const response = await fetch(url, authorized());
  if (notFoundIsNone && response.status === 404) return null;
  if (!response.ok) {
    $("editor-error").textContent = await problem(response);
    return null;
  }
  return response.json();
}

async function problem(response) {
  try {
    const body = await response.json();
    // A validation problem names each offending field ("require[0]", "exclude"): show which one.
    const errors = Object.entries(body.errors ?? {}).map(([field, messages]) => `${field}: ${messages.join(", ")}`);
    return errors.length > 0 ? errors.join("; ") : body.detail || body.title || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

function renderInterests() {
  // The rows are made anew (every 10 s and on each match): a focused ✎ or ✕ gets focus back in its new row, or a
  // keyboard user would be sent to the page's top.
  const focusedRow = document.activeElement?.closest("#interests tr");
  const refocus = focusedRow && [focusedRow.dataset.interestId, document.activeElement.className];
  const cutoff = Date.now() - RATE_WINDOW_MS;
  const counts = state.interests.map(i => (state.matchTimes.get(i.id) ?? []).filter(t => t >= cutoff).length);
  const max = Math.max(1, ...counts);
  $("interests").replaceChildren(...state.interests.map((interest, n) => {
    const row = element("tr", { "data-interest-id": interest.id });
    row.append(
      element("td", {}, interest.id),
      element("td", {}, interest.text),
      element("td", {}, interest.threshold ?? "default"),
      keywordsCell(interest),
      rateCell(counts[n], max),
      actionsCell(interest));
    return row;
  }));
  if (refocus) {
    const [id, kind] = refocus;
    [...$("interests").children].find(row => row.dataset.interestId === id)?.querySelector(`button.${kind}`)?.focus();
  }
}

/** The interest's require / exclude terms, as the API stored them (normalised). */
function keywordsCell(interest) {
  const cell = element("td", { class: "keywords" });
  if (interest.require?.length) cell.append(element("span", { class: "require", title: "required: every one" }, interest.require.join(", ")));
  if (interest.exclude?.length) cell.append(element("span", { class: "exclude", title: "excluded: none of them" }, interest.exclude.join(", ")));
  return cell;
}

function actionsCell(interest) {
  const cell = element("td", { class: "actions" });
  cell.append(editButton(interest), removeButton(interest.id));
  return cell;
}

/** Puts the interest into the form, where saving replaces it. */
function editButton(interest) {
  const button = element("button", { class: "edit" }, "✎");
  describe(button, `edit ${interest.id}`);
  button.addEventListener("click", () => {
    $("interest-id").value = interest.id;
    $("interest-text").value = interest.text;
    $("interest-threshold").value = interest.threshold ?? "";
    $("interest-require").value = (interest.require ?? []).join(", ");
    $("interest-exclude").value = (interest.exclude ?? []).join(", ");
    $("interest-text").focus();
  });
  return button;
}

/** A comma-separated input as a list of terms (a term may be a phrase); the API normalises case and spaces. */
const terms = input => input.value.split(",").map(t => t.trim()).filter(t => t !== "");

function rateCell(count, max) {
  const cell = element("td");
  const rate = element("div", { class: "rate" });
  const bar = element("div", { class: "bar", "aria-hidden": "true" }); // the count beside it says the same
  bar.style.width = `${Math.round(100 * count / max)}px`;
  rate.append(bar, element("span", { class: "count" }, String(count)));
  cell.append(rate);
  return cell;
}

function removeButton(id) {
  const button = element("button", { class: "remove" }, "✕");
  describe(button, `remove ${id}`);
  button.addEventListener("click", async () => {
    const response = await fetch(`${userPath(state.user)}/interests/${encodeURIComponent(id)}`, authorized({ method: "DELETE" }));
    if (!response.ok) { $("editor-error").textContent = await problem(response); return; }
    state.interests = state.interests.filter(i => i.id !== id);
    renderInterests();
    $("interest-id").focus(); // the focused button is gone with its row: go on in the editor, not from the page's top
  });
  return button;
}

async function addInterest(event) {
  event.preventDefault();
  if (!state.user) { $("editor-error").textContent = "Enter a user id first."; return; }
  const id = $("interest-id").value.trim();
  const threshold = $("interest-threshold").value;
  const body = {
    text: $("interest-text").value,
    ...(threshold === "" ? {} : { threshold: Number(threshold) }),
    require: terms($("interest-require")),
    exclude: terms($("interest-exclude")),
  };
  const response = await fetch(`${userPath(state.user)}/interests/${encodeURIComponent(id)}`,
    authorized({ method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
  if (!response.ok) { $("editor-error").textContent = await problem(response); return; }
  const stored = await response.json();
  $("editor-error").textContent = "";
  state.interests = [...state.interests.filter(i => i.id !== stored.id), stored].sort((a, b) => a.id < b.id ? -1 : 1);
  renderInterests();
  $("add-form").reset();
  if (!state.source) connect();
}

// ---- live matches -----------------------------------------------------------------------------------------------

function connect() {
  state.source?.close();
  state.source = null;
  const all = $("all-users").checked;
  // The silo knows a user by its interests (a stream of any other is 404): the stream opens with the first one.
  if (!all && state.interests.length === 0) {
    setBadge($("stream-state"), false, "", "no interests yet: the stream opens with the first");
    return;
  }
  const source = new EventSource(withToken(all ? everyoneStream : `${userPath(state.user)}/matches/stream`));
  state.source = source;
  source.onopen = () => setBadge($("stream-state"), true, all ? "streaming: all users" : `streaming: ${state.user}`, "");
  // EventSource retries by itself, except after a refused request (401: signed out; 429: too many open streams).
  source.onerror = () => setBadge($("stream-state"), false, "",
    source.readyState === EventSource.CLOSED ? "stream refused (signed out, unknown user, or too many open streams): reload" : "reconnecting…");
  // EventSource resumes after the last match id it saw; the silo says when that one was no longer kept.
  source.addEventListener("gap", () => setBadge($("stream-state"), true, "resumed: older matches may be missing", ""));
  source.addEventListener("match", event => {
    const live = JSON.parse(event.data);
    // A match scored again (a batch retried, a dead letter replayed) comes again with its id: shown and counted once.
    if (live.match.matchId && shown(live.match.matchId)) return;
    if (!state.user) { selectUser(userOf(live.userId)); loadUser(); }
    else if (userOf(live.userId) === state.user) { countMatch(live.match); renderInterests(); }
    if (state.paused) {
      state.held.push(live);
      if (state.held.length > MAX_SHOWN_MATCHES) state.held.shift();
    } else {
      showMatch(live);
      announceLater(live.match);
    }
  });
}

/** Whether a match of this id is in the list already, or held for it while it is paused. */
function shown(matchId) {
  return [...$("matches").children].some(item => item.dataset.matchId === matchId)
    || state.held.some(held => held.match.matchId === matchId);
}

// ---- live list: what a screen reader is told, pause ---------------------------------------------------------------

/** Counts a live match into the next summary, which is said ANNOUNCE_INTERVAL_MS after the first match it counts. */
function announceLater(match) {
  const a = state.announcement;
  a.count++;
  a.byInterest.set(match.interestId, (a.byInterest.get(match.interestId) ?? 0) + 1);
  a.timer ??= setTimeout(announceNewMatches, ANNOUNCE_INTERVAL_MS);
}

function announceNewMatches() {
  say(newMatchesSummary());
}

/** "12 new matches: 9 for db, 3 for alerts", the most matched interests first; the next summary counts anew. */
function newMatchesSummary() {
  const { count, byInterest } = state.announcement;
  const ranked = [...byInterest].sort((a, b) => b[1] - a[1]);
  clearAnnouncement(); // empties byInterest, read above
  const named = ranked.slice(0, ANNOUNCED_INTERESTS).map(([interest, n]) => `${n} for ${interest}`);
  const others = ranked.slice(ANNOUNCED_INTERESTS).reduce((sum, [, n]) => sum + n, 0);
  if (others > 0) named.push(`${others} for other interests`);
  return `${plural(count, "new match", "new matches")}: ${named.join(", ")}`;
}

function clearAnnouncement() {
  const a = state.announcement;
  clearTimeout(a.timer);
  a.timer = null;
  a.count = 0;
  a.byInterest.clear();
}

const say = text => { $("matches-summary").textContent = text; };
const plural = (n, one, many) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/**
 * Pauses the live list (new matches are held, the list stands still and no summary is said) or resumes it (the held
 * matches are added); the status says which, and the button names what pressing it next does.
 */
function togglePause() {
  state.paused = !state.paused;
  $("pause-matches").textContent = state.paused ? "Resume list" : "Pause list";
  if (state.paused) {
    // Matches listed since the last summary are summed up now, with the pause: they would otherwise never be.
    const listed = state.announcement.count > 0 ? `${newMatchesSummary()}; ` : "";
    say(`${listed}live list paused: new matches are held until it is resumed`);
  } else {
    const held = state.held.splice(0);
    held.forEach(showMatch);
    say(`live list resumed: ${plural(held.length, "match", "matches")} held while paused added`);
  }
}

function countMatch(match) {
  const times = state.matchTimes.get(match.interestId) ?? [];
  times.push(Date.parse(match.at));
  state.matchTimes.set(match.interestId, times.filter(t => t >= Date.now() - RATE_WINDOW_MS));
}

function showMatch({ userId, match }) {
  const item = element("li", { class: "match", "data-user-id": userId, "data-interest-id": match.interestId, "data-match-id": match.matchId ?? "" });
  const meta = element("div", { class: "meta" });
  const score = element("span", { class: "score", title: "cross-attention score" }, element("span", { class: "visually-hidden" }, "score "));
  score.append(match.score.toFixed(3));
  meta.append(
    score,
    userLink(userId, match.interestId),
    element("span", match.source ? { title: `message ${match.source}` } : {}, new Date(match.at).toLocaleTimeString()));
  if (match.delivery) {
    meta.append(element("span", { class: `delivery ${match.delivery}`, title: match.duplicateOf ? `duplicate of ${match.duplicateOf}` : "delivery decision" }, match.delivery));
  }
  if (match.truncated) meta.append(element("span", { class: "truncated", title: "longer than its scored windows: the end was not scored" }, "truncated"));
  if (match.matchId) meta.append(feedbackButton(userId, match, true), feedbackButton(userId, match, false));
  item.append(meta, highlighted(match.text, match.highlights));
  const list = $("matches");
  list.prepend(item);
  // The oldest go, but not one holding focus: its removal would send a keyboard user to the page's top. It goes once
  // focus has left it.
  while (list.children.length > MAX_SHOWN_MATCHES) {
    [...list.children].reverse().find(old => !old.contains(document.activeElement)).remove();
  }
}

/**
 * A word as compared with the highlights: the silo folds a message's words (full-width and ligature forms unified,
 * "ß" as "ss") and the uncased models also drop accents, so a highlight is "strasse", "db" or "echec" where the
 * message, shown as written, says "Straße", "ＤＢ" or "échec". Both sides lose their accents and fold their case.
 */
function foldedWord(word) {
  return word.normalize("NFKD").replace(/\p{M}/gu, "").toUpperCase().toLowerCase();
}

/**
 * Han ideographs, hiragana and katakana (the silo's LexicalWords.IsWrittenWithoutSpaces): Chinese and Japanese are
 * written without spaces, so the silo reads each of these characters as a word of its own, and reports them so.
 */
const WRITTEN_WITHOUT_SPACES = "\\u3040-\\u30FF\\u31F0-\\u31FF\\u3400-\\u4DBF\\u4E00-\\u9FFF\\uF900-\\uFAFF\\uFF66-\\uFF9F\\u{20000}-\\u{3134F}";

/**
 * Whether a character is part of a word as the silo reads it: the silo folds the text first (NFKC), then cuts it at
 * every character that is not a letter, a decimal digit or a combining mark. So "²" (folded "2") is, "½" (folded
 * "1⁄2", with a fraction slash) and "〇" are not, and a combining mark is even at a word's start.
 */
const isWordCharacter = character => /^[\p{L}\p{Nd}\p{M}]+$/u.test(character.normalize("NFKC"));

const WRITTEN_WITHOUT_SPACES_CHARACTER = new RegExp(`^[${WRITTEN_WITHOUT_SPACES}]$`, "u");
const isWrittenWithoutSpaces = character => WRITTEN_WITHOUT_SPACES_CHARACTER.test(character);

/**
 * A message's words as the silo cuts them, each with its index: runs of word characters, each ideograph or kana a word
 * alone ("東京駅" is three), and apostrophes (' or ’) before a word character joining, as the embedders' word
 * tokenizer joins them ("rock'n'roll" is one word).
 */
function* messageWords(text) {
  const characters = [...text];
  let at = 0, start = -1;
  const word = end => ({ word: text.slice(start, end), index: start });
  for (let i = 0; i < characters.length; at += characters[i].length, i++) {
    const character = characters[i];
    const next = characters[i + 1];
    const joins = start >= 0 && (character === "'" || character === "’") && next !== undefined && isWordCharacter(next) && !isWrittenWithoutSpaces(next);
    const inWord = joins || (isWordCharacter(character) && !isWrittenWithoutSpaces(character));
    if (start >= 0 && !inWord) {
      yield word(at);
      start = -1;
    }
    if (isWordCharacter(character) && isWrittenWithoutSpaces(character)) {
      yield { word: character, index: at };
    } else if (inWord && start < 0) {
      start = at;
    }
  }
  if (start >= 0) yield word(at);
}

/**
 * The marks of one word: the whole word where a highlight is it (the word tokenizer's "don't", "rock'n'roll", and
 * "server" for "server's", a typographic apostrophe as '), else each part between its apostrophes that is one (the
 * WordPiece models cut "don't" into "don" and "t").
 */
function* wordMarks(word, index, weights) {
  const folded = foldedWord(word).replace(/’/g, "'");
  if (weights.has(folded)) {
    yield { text: word, index, weight: weights.get(folded) };
    return;
  }
  if (folded.endsWith("'s") && weights.has(folded.slice(0, -2))) {
    yield { text: word.slice(0, -2), index, weight: weights.get(folded.slice(0, -2)) };
    return;
  }
  for (const part of word.matchAll(/[^'’]+/g)) {
    const weight = weights.get(foldedWord(part[0]));
    if (weight !== undefined) yield { text: part[0], index: index + part.index, weight };
  }
}

/** The message text with the words the interest attended to marked, more opaque the more attention they drew. */
function highlighted(text, highlights) {
  // Best first: a word two highlights fold to weighs as the better one.
  const weights = new Map();
  for (const h of highlights) if (!weights.has(foldedWord(h.token))) weights.set(foldedWord(h.token), h.weight);
  const div = element("div", { class: "text" });
  let at = 0;
  for (const { word, index } of messageWords(text)) {
    for (const marked of wordMarks(word, index, weights)) {
      div.append(text.slice(at, marked.index));
      const mark = element("mark", { title: `attention ${marked.weight.toFixed(2)}` }, marked.text);
      mark.style.setProperty("--w", marked.weight);
      div.append(mark);
      at = marked.index + marked.text.length;
    }
  }
  div.append(text.slice(at));
  return div;
}

/** A user key's routes: "tenant/user" under its tenant, a tenant-less user's under /users. */
function userPath(key) {
  const slash = key.indexOf("/");
  return slash > 0
    ? `${api}/tenants/${encodeURIComponent(key.slice(0, slash))}/users/${encodeURIComponent(key.slice(slash + 1))}`
    : `${api}/users/${encodeURIComponent(key)}`;
}

/** 👍 / 👎: feedback on the match (its user key from the live feed), which moves its interest's threshold (the reply says to what). */
function feedbackButton(userKey, match, relevant) {
  const action = relevant ? "more like this" : "not like this";
  const button = element("button", { class: "feedback", "data-relevant": relevant }, relevant ? "👍" : "👎");
  describe(button, action);
  button.addEventListener("click", async () => {
    if (button.getAttribute("aria-disabled") === "true") return;
    const response = await fetch(`${userPath(userKey)}/matches/${encodeURIComponent(match.matchId)}/feedback`, authorized({
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ relevant }),
    }));
    if (response.ok) {
      const feedback = await response.json();
      // aria-disabled, not disabled: a disabled button loses focus, and a keyboard user would start again at the top.
      button.parentElement.querySelectorAll("button.feedback").forEach(b => b.setAttribute("aria-disabled", "true"));
      describe(button, `${action}: threshold of ${feedback.interestId} now ${feedback.threshold.toFixed(2)}`);
      button.classList.add("given");
    } else {
      describe(button, `${action}: ${await problem(response)}`);
    }
  });
  return button;
}

/** A button shown as a symbol or an emoji, named (for a screen reader) and titled (on hover) with what it does or did. */
function describe(button, text) {
  button.title = text;
  button.setAttribute("aria-label", text);
}

/** "user · interest"; a click edits that user (and follows their stream unless all users are shown). */
function userLink(userId, interestId) {
  const link = element("button", { class: "user-link", title: `edit ${userId}'s interests` }, `${userId} · ${interestId}`);
  link.addEventListener("click", async () => {
    selectUser(userOf(userId));
    if ($("all-users").checked) await loadUser(); else await restart();
    if (!link.isConnected) $("user-id").focus(); // the list restarted without the focused link
  });
  return link;
}

function element(tag, attributes = {}, text) {
  const e = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) e.setAttribute(name, value);
  if (text !== undefined) e.append(text);
  return e;
}

// ---- start ------------------------------------------------------------------------------------------------------

$("user-id").value = state.user;
$("all-users").checked = requestedUser === null && !ownUserOnly;
$("all-users").disabled = ownUserOnly;
$("user-id").addEventListener("change", () => {
  selectUser($("user-id").value.trim());
  restart();
});
$("all-users").addEventListener("change", restart); // the list restarts with the chosen stream
$("add-form").addEventListener("submit", addInterest);
$("pause-matches").addEventListener("click", togglePause);
setInterval(renderInterests, 10000); // rates decay as matches leave the window
pollStats();
restart();
