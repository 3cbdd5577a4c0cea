// Sessions in the real browser: a session ended on the server, and an idle time-out, both send the
// person to log-in and give them back what they were typing; switching user leaves nothing behind.

import assert from "node:assert/strict";
import { PASSWORD, assertNoPageErrors, newPage, screenshot, signIn } from "./browser.mjs";

async function storageText(page) {
  return page.evaluate(() => JSON.stringify({ session: { ...sessionStorage }, local: { ...localStorage } }));
}

export async function expiredSession(browser, baseURL) {
  const page = await newPage(browser, baseURL);
  await page.goto("/reception");
  const login = page.waitForResponse((r) => r.url().endsWith("/api/auth/login") && r.status() === 200);
  await signIn(page, "reception@demo.local");
  const { token } = await (await login).json();
  await page.waitForURL("**/reception");
  assert.equal((await storageText(page)).includes(token), false, "the access token is in no storage");

  await page.getByLabel("First name").fill("Draftname");
  await page.getByLabel("Mobile").fill("9876501234");

  // The session ends on the server (signed out elsewhere, say); the page finds out from its live socket
  // (closed with 4001 at once) or, failing that, on its next request.
  const ended = await fetch(new URL("/api/auth/logout", baseURL), { method: "POST", headers: { Authorization: `Bearer ${token}` } });
  assert.equal(ended.status, 200);
  const told = await page
    .getByRole("heading", { name: "Sign in" })
    .waitFor({ timeout: 3_000 })
    .then(() => true, () => false);
  if (!told) {
    await page.getByLabel("Name, phone, MRN or health ID").fill("MRN-2026-000002");
    await page.getByRole("button", { name: "Search" }).click();
  }

  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.getByText("Your session has ended.", { exact: false }).waitFor();
  assert.equal(await page.getByLabel("E-mail").inputValue(), "reception@demo.local");
  assert.equal(await page.getByText("Draftname").count(), 0, "nothing of the form is on the log-in page");
  await screenshot(page, "session-ended");

  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/reception");
  assert.equal(await page.getByLabel("First name").inputValue(), "Draftname");
  assert.equal(await page.getByLabel("Mobile").inputValue(), "9876501234");

  // Switching user clears everything of the last user, drafts included.
  await page.getByRole("button", { name: "Switch user" }).click();
  await page.getByText("Signed out. The next person can sign in.").waitFor();
  assert.equal(await page.getByLabel("E-mail").inputValue(), "");
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, "nothing left in the tab's storage");
  await signIn(page, "reception@demo.local");
  await page.waitForURL("**/reception");
  assert.equal(await page.getByLabel("First name").inputValue(), "");

  assertNoPageErrors(page);
  await page.context().close();
}

export async function idleSession(browser, baseURL) {
  // The page's clock is Playwright's, so sixteen idle minutes pass in an instant.
  const page = await newPage(browser, baseURL, { clock: true });
  await page.goto("/");
  await signIn(page, "reception@demo.local");
  await page.waitForURL("**/reception");
  await page.getByLabel("First name").fill("Idledraft");

  await page.clock.fastForward("14:30");
  await page.getByRole("alertdialog").getByText("You will be signed out in", { exact: false }).waitFor();
  await screenshot(page, "session-idle-warning");
  await page.clock.fastForward("01:00");

  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.getByText("signed out after a spell of inactivity", { exact: false }).waitFor();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/reception");
  assert.equal(await page.getByLabel("First name").inputValue(), "Idledraft");

  assertNoPageErrors(page);
  await page.context().close();
}
