// What every browser scenario shares: Debian's Chromium driven by playwright-core (no browser download),
// signing in through the real log-in page, and screenshots into a git-ignored folder.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const PASSWORD = process.env.DEMO_PASSWORD || "demo-password";

// Without the background-networking flags Chromium keeps dialling Google's hosts, which this closed network refuses.
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
  // As a kiosk TV runs it: the waiting-room display may chime and speak without anyone touching it.
  "--autoplay-policy=no-user-gesture-required",
];

const EXPECTED_CONSOLE_ERRORS =
  /status of 4\d\d|ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|WebSocket connection to .* failed/;

/** Playwright gives every launch a fresh, empty profile directory of its own. */
export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 60_000 });
}

export async function newPage(browser, baseURL, { clock = false, viewport = { width: 1280, height: 900 }, permissions = [] } = {}) {
  const context = await browser.newContext({ baseURL, viewport, permissions });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  if (clock) await page.clock.install();
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    // A failed request shows as a console error too; those the scenarios provoke on purpose are expected.
    // So are the failed connections of a network the scenario took away, or of a server it is restarting.
    if (message.type() === "error" && !EXPECTED_CONSOLE_ERRORS.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.problems = problems;
  return page;
}

export async function signIn(page, email, password = PASSWORD) {
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("signed-in-as").waitFor();
}

export async function screenshot(page, name) {
  const dir = process.env.E2E_SCREENSHOTS || join(import.meta.dirname, "screenshots");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** A screenshot for the README (docs/screenshots/): the visible screen only, to keep the file small. */
export async function docScreenshot(page, name) {
  await screenshot(page, name);
  const dir = process.env.E2E_DOC_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: false });
}

// --- hooks: ask the test (pytest) to do what only it can; see tests/e2e/conftest.py ------------------

let answers = null;
function nextAnswer() {
  if (answers === null) {
    answers = [];
    const waiting = [];
    const lines = createInterface({ input: process.stdin });
    lines.on("line", (line) => {
      const resolve = waiting.shift();
      if (resolve) resolve(line);
      else answers.push(line);
    });
    answers.waiting = waiting;
  }
  if (answers.length > 0) return Promise.resolve(answers.shift());
  return new Promise((resolve) => answers.waiting.push(resolve));
}

/** Runs the test's hook `name` with `args` and returns its answer (throws the hook's error). */
export async function hook(name, args = {}) {
  process.stdout.write(`HOOK ${JSON.stringify({ name, args })}\n`);
  const answer = JSON.parse(await nextAnswer());
  if (!answer.ok) throw new Error(`hook ${name}: ${answer.error}`);
  return answer.value;
}

/** Within `ms` of now, or fail saying how long it took. */
export async function within(ms, what, action) {
  const started = Date.now();
  await action(ms);
  const took = Date.now() - started;
  console.log(`${what}: ${took} ms`);
  if (took > ms) throw new Error(`${what} took ${took} ms (limit ${ms})`);
  return took;
}

/** Records what the page asks of the browser's speech, audio and notification APIs (real ones still run). */
export async function recordBrowserOutput(context) {
  await context.addInitScript(() => {
    const record = { spoken: [], oscillators: 0, notifications: [] };
    Object.defineProperty(window, "__output", { value: record });
    if (window.speechSynthesis) {
      const speak = window.speechSynthesis.speak.bind(window.speechSynthesis);
      window.speechSynthesis.speak = (utterance) => {
        if (utterance.text) record.spoken.push({ text: utterance.text, lang: utterance.lang, voice: utterance.voice?.name ?? null });
        return speak(utterance);
      };
    }
    if (window.OscillatorNode) {
      const start = OscillatorNode.prototype.start;
      OscillatorNode.prototype.start = function (...args) {
        record.oscillators += 1;
        return start.apply(this, args);
      };
    }
    if (window.Notification) {
      const Real = window.Notification;
      const Recorded = function (title, options) {
        record.notifications.push({ title, body: options?.body ?? "", tag: options?.tag ?? "" });
        return new Real(title, options);
      };
      Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
      Recorded.requestPermission = (...args) => Real.requestPermission(...args);
      Recorded.prototype = Real.prototype;
      window.Notification = Recorded;
    }
  });
}

export async function browserOutput(page) {
  return page.evaluate(() => JSON.parse(JSON.stringify(window.__output)));
}

export function uniqueLetters(n = 7) {
  const letters = "bcdfghjklmnpqrstvwxz";
  let text = "";
  for (let i = 0; i < n; i += 1) text += letters[Math.floor(Math.random() * letters.length)];
  return text[0].toUpperCase() + text.slice(1);
}

export function uniqueMobile() {
  let digits = "9";
  for (let i = 0; i < 9; i += 1) digits += Math.floor(Math.random() * 10);
  return digits;
}

/** Every scenario ends here: a JavaScript error on the page fails it even when the steps passed. */
export function assertNoPageErrors(page) {
  if (page.problems.length > 0) throw new Error(`the page reported errors:\n${page.problems.join("\n")}`);
}
