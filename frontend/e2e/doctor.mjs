// The doctor's tablet, portrait at 10 inches (800 x 1280): the doctor's queue live with call-next, and a
// critical result arriving as a banner with a sound and a system notification within two seconds; the
// tablet sends the receipt (the server's timeline says DELIVERED by this doctor), the banner shows the
// escalation when nobody acknowledges in time, and stays until acknowledged with the action taken.

import assert from "node:assert/strict";
import { assertNoPageErrors, browserOutput, docScreenshot, hook, newPage, recordBrowserOutput, signIn, within } from "./browser.mjs";

async function eventually(what, check, ms = 5_000) {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function doctor(browser, baseURL) {
  const me = await hook("doctor-setup");
  const tablet = await newPage(browser, baseURL, { viewport: { width: 800, height: 1280 }, permissions: ["notifications"] });
  await recordBrowserOutput(tablet.context());
  await tablet.goto("/");
  await signIn(tablet, me.email, me.password);
  await tablet.waitForURL("**/doctor");
  await tablet.getByTestId("no-alerts").waitFor();
  await tablet.locator('[data-testid="my-queue"] [data-live-state="live"]').waitFor();
  assert.equal(await tablet.evaluate(() => document.documentElement.scrollWidth <= 800), true, "no sideways scrolling in portrait");

  // Two patients checked in to this doctor show in "My queue" within 2 s.
  const patients = await hook("check-in", { departmentId: me.departmentId, doctorId: me.doctorId, count: 2 });
  await within(2_000, "check-ins reached the doctor's tablet", async (ms) => {
    for (const p of patients) await tablet.locator(`[data-testid="waiting"] [data-token="${p.tokenNumber}"]`).waitFor({ timeout: ms });
  });
  assert.match(await tablet.getByTestId("waiting").innerText(), new RegExp(`${patients[0].firstName} ${patients[0].lastName}`));

  // Call next: to room 4 (the doctor's room); the called patient moves up with "Call again" and "Did not come".
  await tablet.getByRole("button", { name: "Call next patient" }).click();
  const result = await tablet.getByTestId("call-result").innerText();
  const calledNumber = Number(result.match(/Called token (\d+)/)?.[1]);
  assert.ok(calledNumber, result);
  assert.match(result, /room 4/);
  const called = tablet.locator(`[data-testid="called"] [data-token="${calledNumber}"]`);
  await called.waitFor({ timeout: 2_000 });
  await called.getByRole("button", { name: "Call again" }).waitFor();

  // A critical potassium for one of this doctor's patients.
  const raised = await hook("critical-result", { doctorEmail: me.email });
  const banner = tablet.locator(`[data-alert="${raised.alertId}"]`);
  await within(2_000, "a critical result reached the doctor's tablet", async (ms) => {
    await banner.waitFor({ timeout: ms });
  });
  assert.equal(await banner.getAttribute("role"), "alert");
  await banner.getByText(`${raised.firstName} ${raised.lastName}`).waitFor();
  await banner.getByText("6.8", { exact: true }).waitFor();
  let output = await eventually("the alert's sound and notification", async () => {
    const now = await browserOutput(tablet);
    return now.notifications.some((n) => n.tag === `alert-${raised.alertId}`) && now.oscillators > 0 ? now : null;
  });
  assert.match(output.notifications.at(-1).body, /Potassium 6.8/);

  // The tablet's receipt: the server's timeline says it was delivered to this doctor.
  await eventually("the receipt in the alert's timeline", async () => {
    const events = await hook("alert-events", { alertId: raised.alertId });
    return events.some((e) => e.event === "DELIVERED" && e.actorId === me.userId);
  });
  await tablet.evaluate(() => document.fonts.ready);
  await docScreenshot(tablet, "doctor-tablet");

  // Nobody acknowledged in time: it escalates (to the department's doctors on duty); the banner says so.
  await hook("escalate", { alertId: raised.alertId });
  await within(2_000, "the escalation reached the doctor's tablet", async (ms) => {
    await tablet.locator(`[data-alert="${raised.alertId}"][data-escalation-level="1"]`).waitFor({ timeout: ms });
  });
  await banner.getByTestId("escalated").waitFor();
  await banner.getByTestId("escalation-recipients").waitFor();
  output = await eventually("a notification for the escalation", async () => {
    const now = await browserOutput(tablet);
    return now.notifications.some((n) => n.title === "Escalated critical alert") ? now : null;
  });

  // Acknowledge with the action taken: the banner goes, here and for everyone told.
  await banner.getByRole("button", { name: "Acknowledge with action taken…" }).click();
  await banner.getByRole("button", { name: "Repeat test ordered" }).click();
  await banner.getByLabel("Action taken").press("End");
  await banner.getByLabel("Action taken").pressSequentially("; calcium gluconate given");
  await banner.getByRole("button", { name: "Acknowledge", exact: true }).click();
  await tablet.getByTestId("no-alerts").waitFor({ timeout: 2_000 });
  const events = await hook("alert-events", { alertId: raised.alertId });
  const ack = events.find((e) => e.event === "ACKNOWLEDGED");
  assert.equal(ack?.detail.action, "Repeat test ordered; calcium gluconate given");
  assert.ok(events.some((e) => e.event === "SEEN" && e.actorId === me.userId), "opening the form marked it seen");

  assertNoPageErrors(tablet);
  await tablet.context().close();
}
