// The nurse-station board: the nurse of the General Medicine Ward opens /ward, picks the ward once (the PC
// remembers it), and sees every bed with who is in it. She charts a set of vitals with NEWS2 7 or more using
// the keyboard only: the doctor's ward board shows the score and the deterioration alert, and the doctor's
// tablet the alert, within two seconds. A critical result for the same patient appears on the bed too, a
// bed change made elsewhere as well, and the alert goes when the doctor acknowledges it. A wall screen with a
// device token shows the same beds with no names. The nurse acknowledges another critical result from the
// board herself: it leaves the doctor's tablet too. Discharging the patient resolves the NEWS2 alert nobody
// acknowledged (`alert.resolved`): its banner leaves the doctor's tablet and the ward boards.

import assert from "node:assert/strict";
import { assertNoPageErrors, docScreenshot, hook, newPage, screenshot, signIn, within } from "./browser.mjs";

export async function ward(browser, baseURL) {
  const setup = await hook("ward-setup");
  const station = await newPage(browser, baseURL, { viewport: { width: 1600, height: 1000 } });
  await station.goto("/");
  await signIn(station, "nurse@demo.local");
  await station.waitForURL("**/ward");
  await station.getByRole("link", { name: /General Medicine Ward/ }).click();
  await station.waitForURL(`**/ward/${setup.wardId}`);
  const board = station.getByTestId("ward-board");
  await board.locator('[data-live-state="live"]').waitFor();
  const bed = board.locator(`[data-bed="${setup.bedNumber}"]`);
  await bed.getByText(`${setup.firstName} ${setup.lastName}`).waitFor();
  await bed.getByText(setup.mrn).waitFor();

  // The PC remembers its ward.
  await station.goto("/ward");
  await station.waitForURL(`**/ward/${setup.wardId}`);
  await board.locator('[data-live-state="live"]').waitFor();

  // The attending doctor watches the same ward on another screen, and has the tablet open.
  const doctorBoard = await newPage(browser, baseURL, { viewport: { width: 1280, height: 900 } });
  await doctorBoard.goto(`/ward/${setup.wardId}`);
  await signIn(doctorBoard, "doctor@demo.local");
  await doctorBoard.getByTestId("ward-board").locator('[data-live-state="live"]').waitFor();
  const tablet = await newPage(browser, baseURL, { viewport: { width: 800, height: 1280 } });
  await tablet.goto("/doctor");
  await signIn(tablet, "doctor@demo.local");
  await tablet.locator('[data-testid="alerts-panel"] [data-live-state="live"]').waitFor();

  // The nurse charts a set of vitals with the keyboard only: NEWS2 7 or more.
  await bed.getByRole("button", { name: "Vitals & trend" }).click();
  const form = station.getByTestId("vitals-form");
  await form.waitFor();
  for (const value of ["26", "90"]) {
    await station.keyboard.type(value);
    await station.keyboard.press("Tab");
  }
  await station.keyboard.press("Tab"); // air (the default)
  for (const value of ["88", "60", "135"]) {
    await station.keyboard.type(value);
    await station.keyboard.press("Tab");
  }
  await station.keyboard.press("Tab"); // A (alert, the default)
  await station.keyboard.type("39.5");
  await station.keyboard.press("Enter");
  const recorded = await station.getByTestId("vitals-result").locator("[data-news2]").getAttribute("data-news2");
  assert.ok(Number(recorded) >= 7, `NEWS2 ${recorded}`);
  await within(2_000, "NEWS2 and its alert reached the doctor's ward board and tablet", async (ms) => {
    await Promise.all([
      doctorBoard.locator(`[data-bed="${setup.bedNumber}"] [data-news2="${recorded}"][data-band="HIGH"]`).waitFor({ timeout: ms }),
      doctorBoard.getByTestId("ward-alerts").getByText(`Bed ${setup.bedNumber}:`).first().waitFor({ timeout: ms }),
      tablet.locator("[data-alert]").filter({ hasText: setup.bedNumber }).filter({ hasText: "NEWS2" }).first().waitFor({ timeout: ms }),
      tablet.locator(`[data-testid="my-inpatients"] [data-ward="GMW"] [data-bed="${setup.bedNumber}"] [data-news2="${recorded}"]`).waitFor({ timeout: ms }),
    ]);
  });
  await station.getByTestId("vitals-trend").waitFor();
  await station.evaluate(() => document.fonts.ready);
  await screenshot(tablet, "doctor-tablet-news2");
  await station.getByRole("button", { name: "Close" }).click();

  // A critical result for the patient in that bed.
  const raised = await hook("ward-critical", { patientId: setup.patientId });
  await within(2_000, "a critical result reached the ward board", async (ms) => {
    await station.getByTestId("ward-alerts").locator(`[data-alert="${raised.alertId}"]`).getByText(`Bed ${setup.bedNumber}:`).waitFor({ timeout: ms });
  });
  await bed.getByText("2 open alerts").waitFor();

  // A bed changed from elsewhere (the census board, housekeeping).
  const moved = await hook("bed-to-cleaning", { wardId: setup.wardId });
  await within(2_000, "a bed change reached the ward board", async (ms) => {
    await board.locator(`[data-bed="${moved.bedNumber}"][data-state="CLEANING"]`).waitFor({ timeout: ms });
  });
  await station.evaluate(() => window.scrollTo(0, 0));
  await docScreenshot(station, "ward-board");

  // The same ward on a wall screen: beds and alerts, never a name or an MRN.
  const { token } = await hook("device", { name: "GMW corridor screen", topics: [`ward:${setup.wardId}`] });
  const wall = await newPage(browser, baseURL, { viewport: { width: 1920, height: 1080 } });
  await wall.goto(`/ward/${setup.wardId}?device=${token}`);
  await wall.getByTestId("ward-board").locator(`[data-bed="${setup.bedNumber}"][data-state="OCCUPIED"]`).waitFor();
  const wallText = await wall.locator("body").innerText();
  assert.ok(!wallText.includes(setup.lastName) && !wallText.includes(setup.mrn), "no patient on a device's board");
  assert.equal(await wall.getByRole("button", { name: "Change ward" }).count(), 0);

  // The doctor acknowledges: the alert leaves the ward board.
  await hook("acknowledge", { alertId: raised.alertId });
  await within(2_000, "the acknowledgement reached the ward board", async (ms) => {
    await station.locator(`[data-alert="${raised.alertId}"]`).waitFor({ state: "detached", timeout: ms });
  });

  // Another critical result: the ward's nurse acknowledges it from the board, with the action taken; it
  // leaves her board, the doctor's board and the doctor's tablet (alert.acknowledged).
  const second = await hook("ward-critical", { patientId: setup.patientId });
  const item = station.getByTestId("ward-alerts").locator(`[data-alert="${second.alertId}"]`);
  await item.waitFor({ timeout: 2_000 });
  await tablet.locator(`[data-alert="${second.alertId}"]`).waitFor({ timeout: 2_000 });
  await item.getByRole("button", { name: "Acknowledge…" }).click();
  await item.getByRole("button", { name: "Doctor on duty informed" }).click();
  await item.getByRole("button", { name: "Acknowledge", exact: true }).click();
  await within(2_000, "the nurse's acknowledgement reached every screen", async (ms) => {
    await Promise.all([
      station.locator(`[data-alert="${second.alertId}"]`).waitFor({ state: "detached", timeout: ms }),
      doctorBoard.locator(`[data-alert="${second.alertId}"]`).waitFor({ state: "detached", timeout: ms }),
      tablet.locator(`[data-alert="${second.alertId}"]`).waitFor({ state: "detached", timeout: ms }),
    ]);
  });
  const acked = (await hook("alert-events", { alertId: second.alertId })).find((e) => e.event === "ACKNOWLEDGED");
  assert.equal(acked?.detail.as, "WARD_NURSE");
  assert.equal(acked?.detail.action, "Doctor on duty informed");
  // The doctor's board offers no acknowledgement (a doctor acknowledges on the tablet).
  assert.equal(await doctorBoard.getByRole("button", { name: "Acknowledge…" }).count(), 0);

  // The NEWS2 alert is still open (nobody acknowledged it): the attending doctor's reason says so.
  const stillOpen = station.getByTestId("ward-alerts").locator("[data-alert]").filter({ hasText: `Bed ${setup.bedNumber}:` });
  await within(2_000, "only the NEWS2 alert left open on the bed", async (ms) => {
    await stillOpen.filter({ hasText: "NEWS2" }).waitFor({ timeout: ms });
  });
  assert.equal(await stillOpen.count(), 1);
  const news2AlertId = await stillOpen.getAttribute("data-alert");
  assert.ok(news2AlertId);
  await tablet.locator(`[data-alert="${news2AlertId}"]`).getByText("you are the attending doctor").waitFor();

  // The patient is discharged: the alert is resolved and leaves the tablet and every ward board.
  await hook("discharge", { admissionId: setup.admissionId });
  await within(2_000, "the resolved NEWS2 alert left the tablet and the ward boards", async (ms) => {
    await Promise.all([
      tablet.locator(`[data-alert="${news2AlertId}"]`).waitFor({ state: "detached", timeout: ms }),
      station.locator(`[data-alert="${news2AlertId}"]`).waitFor({ state: "detached", timeout: ms }),
      doctorBoard.locator(`[data-alert="${news2AlertId}"]`).waitFor({ state: "detached", timeout: ms }),
    ]);
  });

  for (const page of [station, wall, doctorBoard, tablet]) {
    assertNoPageErrors(page);
    await page.context().close();
  }
}
