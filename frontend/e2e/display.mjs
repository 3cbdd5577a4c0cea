// The waiting-room display on a TV-sized screen, signed in with a device token opened once with ?device=:
// check-ins appear with their estimated wait, a call is shown (token and room, very large) and announced
// (chime, English, Hindi where the browser has a Hindi voice) within two seconds, no name is ever on the
// page, and after the network drops and comes back the screen catches up by itself.

import assert from "node:assert/strict";
import { assertNoPageErrors, browserOutput, docScreenshot, hook, newPage, recordBrowserOutput, within } from "./browser.mjs";

export async function openDisplay(browser, baseURL, departmentId, token) {
  const tv = await newPage(browser, baseURL, { viewport: { width: 1920, height: 1080 } });
  await recordBrowserOutput(tv.context());
  const started = Date.now();
  await tv.goto(`/display/${departmentId}?device=${token}`);
  await tv.getByTestId("waiting-room-display").waitFor();
  assert.equal(new URL(tv.url()).search, "", "the device token is taken out of the address");
  assert.equal(await tv.evaluate(() => localStorage.getItem("hl.device-token")), token);
  await tv.locator('[data-live-state="live"]').waitFor({ timeout: 15_000 });
  await tv.locator('[data-testid="department-name"]').filter({ hasNotText: "Waiting room" }).waitFor();
  console.log(`the display was showing the live queue ${Date.now() - started} ms after the page was asked for`);
  // Set once: if the page ever reloads, it is gone.
  await tv.evaluate(() => {
    window.__sameDocument = true;
  });
  return tv;
}

/** Nothing that names a patient anywhere in the page: text, attributes or the stored state. */
export async function assertNoPatientOnScreen(tv, patients) {
  const html = await tv.content();
  const text = await tv.locator("body").innerText();
  for (const p of patients) {
    for (const value of [p.firstName, p.lastName, p.mrn, p.phone]) {
      assert.ok(!html.includes(value) && !text.includes(value), `the display shows ${value}`);
    }
  }
}

export async function display(browser, baseURL) {
  const { departmentId, departmentName, token } = await hook("opd-setup");
  const tv = await openDisplay(browser, baseURL, departmentId, token);
  assert.equal(await tv.getByTestId("department-name").innerText(), departmentName);

  const patients = await hook("check-in", { departmentId, count: 4 });
  await within(2_000, "check-ins reached the waiting-room display", async (ms) => {
    for (const p of patients) await tv.locator(`[data-testid="next-tokens"] [data-token="${p.tokenNumber}"]`).waitFor({ timeout: ms });
  });
  assert.match(await tv.getByTestId("next-tokens").innerText(), /about \d+ min|next|—/);

  const called = await hook("call-next", { room: "4" });
  await within(2_000, "a call reached the waiting-room display", async (ms) => {
    await tv.locator(`[data-testid="now-calling"] li:first-child[data-token="${called.tokenNumber}"]`).waitFor({ timeout: ms });
  });
  assert.match(await tv.locator('[data-testid="now-calling"] li').first().innerText(), /Room 4/);
  await tv.waitForFunction((n) => window.__output.spoken.some((s) => s.text === `Token ${n}, Room 4`), called.tokenNumber);
  const output = await browserOutput(tv);
  const english = output.spoken.find((s) => s.text === `Token ${called.tokenNumber}, Room 4`);
  assert.equal(english.lang, "en-IN");
  assert.ok(output.oscillators >= 2, "the chime played before the announcement");
  const voices = await tv.evaluate(() => speechSynthesis.getVoices().map((v) => v.lang));
  const hindi = output.spoken.find((s) => s.lang === "hi-IN");
  if (voices.some((lang) => lang.toLowerCase().startsWith("hi"))) {
    assert.equal(hindi?.text, `टोकन नंबर ${called.tokenNumber}, कमरा नंबर 4`);
  } else {
    assert.equal(hindi, undefined, "no Hindi line without a Hindi voice");
    console.log(`this Chromium has ${voices.length} speech voices and no Hindi one: English only`);
  }
  await assertNoPatientOnScreen(tv, patients);
  await tv.waitForTimeout(300);
  await docScreenshot(tv, "waiting-room-display");

  // The network goes: the screen says so; a check-in and a call happen meanwhile; the network comes back.
  await tv.context().setOffline(true);
  await tv.locator('[data-live-state="connecting"]').waitFor({ timeout: 70_000 });
  const late = await hook("check-in", { departmentId, count: 1 });
  const calledOffline = await hook("call-next", { room: "4" });
  await tv.waitForTimeout(500);
  assert.equal(await tv.locator(`[data-testid="next-tokens"] [data-token="${late[0].tokenNumber}"]`).count(), 0);
  await tv.context().setOffline(false);
  await within(15_000, "the display caught up after the network came back", async (ms) => {
    await tv.locator(`[data-testid="now-calling"] [data-token="${calledOffline.tokenNumber}"]`).waitFor({ timeout: ms });
  });
  await tv.locator('[data-live-state="live"]').waitFor();
  assert.equal(await tv.evaluate(() => window.__sameDocument), true, "caught up without reloading the page");
  await assertNoPatientOnScreen(tv, [...patients, ...late]);

  assertNoPageErrors(tv);
  await tv.context().close();
}

/** The server restarts under the display (graceful shutdown: 1012); calls made meanwhile show when it is back. */
export async function displayRestart(browser, baseURL) {
  const { departmentId, token } = await hook("opd-setup");
  const tv = await openDisplay(browser, baseURL, departmentId, token);
  await hook("server-stop");
  await tv.locator('[data-live-state="connecting"]').waitFor({ timeout: 10_000 });
  const patients = await hook("check-in", { departmentId, count: 2 });
  const called = await hook("call-next", { room: "7" });
  await hook("server-start");
  await within(20_000, "the display caught up after the server restarted", async (ms) => {
    await tv.locator(`[data-testid="now-calling"] [data-token="${called.tokenNumber}"]`).waitFor({ timeout: ms });
  });
  for (const p of patients.filter((p) => p.tokenNumber !== called.tokenNumber)) {
    await tv.locator(`[data-testid="next-tokens"] [data-token="${p.tokenNumber}"]`).waitFor();
  }
  await tv.locator('[data-live-state="live"]').waitFor();
  assert.equal(await tv.evaluate(() => window.__sameDocument), true, "caught up without reloading the page");
  await assertNoPatientOnScreen(tv, patients);
  assertNoPageErrors(tv);
  await tv.context().close();
}
