// Admitting and transferring from the census board against the real server: an administrator admits a
// patient to a free bed of the General Medicine Ward (found by MRN, the admitting doctor chosen from the list)
// and then moves them to another free bed; the ward's nurse, on her own census board, sees the bed taken, then
// the old bed go to cleaning and the new one taken, each within two seconds.

import assert from "node:assert/strict";
import { assertNoPageErrors, hook, newPage, screenshot, signIn, within } from "./browser.mjs";

async function openCensus(browser, baseURL, email) {
  const page = await newPage(browser, baseURL, { viewport: { width: 1440, height: 1000 } });
  await page.goto("/census");
  await signIn(page, email);
  await page.getByTestId("census").waitFor();
  await page.locator('[data-ward="GMW"] [data-testid="ward-beds"]').waitFor();
  await page.locator('[data-testid="census"] > div [data-live-state="live"]').first().waitFor();
  return page;
}

const bedNumberOf = (label) => /^Bed (\S+)/.exec(label)?.[1];

async function pickFreeBed(form, wardId) {
  await form.getByLabel("Ward").selectOption(wardId);
  const bed = form.getByRole("combobox", { name: /^Bed\b/ });
  await bed.locator("option").nth(1).waitFor({ state: "attached" });
  const option = bed.locator("option").nth(1);
  const value = await option.getAttribute("value");
  await bed.selectOption(value);
  const bedNumber = bedNumberOf(await option.innerText());
  assert.ok(bedNumber);
  return bedNumber;
}

export async function censusAdmit(browser, baseURL) {
  const { mrn, doctorId, wardId } = await hook("admit-setup");
  const admin = await openCensus(browser, baseURL, "admin@demo.local");
  const nurse = await openCensus(browser, baseURL, "nurse@demo.local");
  const bedOn = (page, bedNumber, state) => page.locator(`[data-ward="GMW"] [data-bed="${bedNumber}"][data-state="${state}"]`);

  // Admit.
  await admin.getByRole("button", { name: "Admit a patient" }).click();
  const admit = admin.getByTestId("admit-form");
  await admit.getByLabel(/Find the patient/).fill(mrn);
  await admit.getByRole("button", { name: "Search" }).click();
  await admit.getByRole("radio", { name: new RegExp(mrn) }).check();
  const first = await pickFreeBed(admit, wardId);
  await admit.getByLabel("Admitting doctor").selectOption(doctorId);
  await admit.getByLabel("Admission type").selectOption("EMERGENCY");
  await admit.getByLabel("Reason for admission").fill("Community-acquired pneumonia, needs IV antibiotics");
  await admit.getByRole("button", { name: "Admit", exact: true }).click();
  await admit.getByTestId("admit-done").getByText(new RegExp(`admitted to bed ${first}`)).waitFor();
  await within(2_000, "the admission reached the nurse's census board", async (ms) => {
    await bedOn(nurse, first, "OCCUPIED").waitFor({ timeout: ms });
  });
  await bedOn(admin, first, "OCCUPIED").waitFor({ timeout: 2_000 });

  // Transfer to another free bed of the ward.
  await admin.getByRole("button", { name: "Transfer a patient" }).click();
  const transfer = admin.getByTestId("transfer-form");
  const patient = transfer.getByLabel("Patient (in a bed now)");
  await patient.locator("option", { hasText: mrn }).waitFor({ state: "attached" });
  await patient.selectOption({ label: await patient.locator("option", { hasText: mrn }).innerText() });
  const second = await pickFreeBed(transfer, wardId);
  assert.notEqual(second, first);
  await transfer.getByLabel("Reason (optional)").fill("Closer to the nursing station");
  await transfer.getByRole("button", { name: "Transfer", exact: true }).click();
  await transfer.getByTestId("transfer-done").getByText(new RegExp(`to bed ${second}`)).waitFor();
  await within(2_000, "the transfer reached the nurse's census board", async (ms) => {
    await Promise.all([bedOn(nurse, second, "OCCUPIED").waitFor({ timeout: ms }), bedOn(nurse, first, "CLEANING").waitFor({ timeout: ms })]);
  });
  await screenshot(admin, "census-admit-transfer");

  for (const page of [admin, nurse]) assertNoPageErrors(page);
  await Promise.all([admin, nurse].map((p) => p.context().close()));
}
