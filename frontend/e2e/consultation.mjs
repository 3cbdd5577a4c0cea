// The consultation on a doctor's tablet against the real server: doctor2@ calls the next patient (an emergency
// just checked in to them), starts the consultation, writes complaint, history, examination and vitals, finds
// an ICD-10 code by words (Enter adds it), saves with Ctrl+Enter, adds a timestamped note, prescribes Augmentin
// to a patient allergic to penicillins (overriding the server's warning with a reason) and completes the
// consultation with a follow-up. A reload shows what the server kept.

import assert from "node:assert/strict";
import { assertNoPageErrors, hook, newPage, screenshot, signIn } from "./browser.mjs";

function isoDay(daysAhead) {
  const day = new Date(Date.now() + daysAhead * 86_400_000);
  return day.toISOString().slice(0, 10);
}

export async function consultation(browser, baseURL) {
  const page = await newPage(browser, baseURL, { viewport: { width: 800, height: 1280 } });
  await page.goto("/doctor");
  await signIn(page, "doctor2@demo.local");
  const queue = page.getByTestId("my-queue");
  await queue.locator('[data-live-state="live"]').waitFor();

  const patient = await hook("consult-patient");
  // The check-in reaches the doctor's queue live; "Call next" calls the emergency first.
  await queue.locator(`[data-testid="waiting"] [data-token="${patient.tokenNumber}"]`).waitFor({ timeout: 5_000 });
  await queue.getByLabel("Your room").fill("7");
  await queue.getByRole("button", { name: "Call next patient" }).click();
  const called = queue.locator(`[data-testid="called"] [data-token="${patient.tokenNumber}"]`);
  await called.waitFor();
  await called.getByRole("button", { name: "Start consultation" }).click();

  const form = page.getByTestId("consultation");
  await form.waitFor();
  assert.match(page.url(), /\/opd\/consultations\/[0-9a-f-]{36}$/);
  await form.getByRole("heading", { name: new RegExp(patient.name) }).waitFor();
  // The complaint given at check-in is already there.
  assert.equal(await form.getByLabel("Chief complaint").inputValue(), "Fever for 3 days");

  await form.getByLabel("History").fill("High-grade fever with chills for 3 days, no cough.");
  await form.getByLabel("Examination").fill("Febrile, pulse 96/min, no neck stiffness. Chest clear.");
  await form.getByLabel("Temp (°C)").fill("38.6");
  await form.getByLabel("Pulse (/min)").fill("96");
  await form.getByLabel("BP systolic").fill("118");
  await form.getByLabel("BP diastolic").fill("76");

  // Diagnosis by words: Enter adds the first match.
  const search = form.getByLabel(/Diagnosis search/);
  await search.fill("typhoid");
  await form.getByTestId("icd-results").waitFor();
  const first = (await form.getByTestId("icd-results").locator("button").first().innerText()).split(" ")[0];
  await search.press("Enter");
  await form.locator(`[data-testid="diagnosis-codes"] [data-code="${first}"]`).waitFor();
  assert.match(first, /^A01/);
  await form.getByLabel("Diagnosis (in words)").fill("Enteric fever, suspected");
  await form.getByLabel("Treatment plan / advice").fill("Blood culture, Widal; oral fluids; review in 5 days.");

  // Ctrl+Enter saves (If-Match: the version read).
  await form.getByLabel("Treatment plan / advice").press("Control+Enter");
  await form.getByText("All changes saved").waitFor();

  // A timestamped note.
  await form.getByLabel("Add a note (timestamped)").fill("Patient advised to return if vomiting starts.");
  await form.getByRole("button", { name: "Add note" }).click();
  await form.getByTestId("consultation-notes").getByText("Patient advised to return if vomiting starts.").waitFor();

  // Prescribing from the formulary (GET /api/pharmacy/medicines): the patient is allergic to penicillins, so
  // Augmentin meets the server's allergy warning (409); it goes ahead only with a reason.
  const prescribe = form.getByTestId("prescribe");
  await prescribe.getByLabel("Medicine (brand or generic name)").fill("Augmentin");
  const matches = prescribe.getByRole("list", { name: "Matching medicines" });
  await matches.getByRole("button", { name: /Augmentin 625 Duo/ }).click();
  const line = prescribe.locator('[data-line="0"]');
  await line.getByLabel("Unit").fill("tab");
  await line.getByLabel("Frequency").selectOption("BD");
  await line.getByLabel("Days").fill("5");
  await line.getByLabel("Instructions").fill("after food");
  const answered = page.waitForResponse((r) => r.url().includes("/prescribe") && r.request().method() === "POST");
  await prescribe.getByRole("button", { name: "Prescribe", exact: true }).click();
  assert.equal((await answered).status(), 409);
  const warned = line.getByTestId("prescription-warnings");
  await warned.waitFor();
  assert.match(await warned.innerText(), /Penicillins/);
  await line.getByLabel("Reason to go ahead anyway").fill("Mild rash only in childhood; tolerated amoxicillin since");
  const again = page.waitForResponse((r) => r.url().includes("/prescribe") && r.request().method() === "POST");
  await prescribe.getByRole("button", { name: "Prescribe, overriding the warnings" }).click();
  assert.equal((await again).status(), 201);
  const prescribed = form.getByTestId("prescriptions");
  await prescribed.getByText("Augmentin 625 Duo").waitFor();
  await prescribed.getByText(/Warning overridden: Mild rash only in childhood/).waitFor();
  await line.waitFor({ state: "detached" });

  // Complete, with a follow-up in a week.
  await form.getByLabel("Follow-up needed").check();
  await form.getByLabel("Follow-up date").fill(isoDay(7));
  await form.getByLabel("Follow-up notes").fill("With the Widal report");
  await form.getByRole("button", { name: "Complete consultation" }).click();
  await form.getByTestId("completion").getByText(/Consultation completed\. Draft bill/).waitFor();
  assert.match(await form.getByTestId("completion").innerText(), /Follow-up on/);
  await screenshot(page, "consultation");

  // What the server kept.
  await page.reload();
  await form.getByTestId("consultation-completed").waitFor();
  await form.locator(`[data-testid="diagnosis-codes"] [data-code="${first}"]`).waitFor();
  assert.equal(Number(await form.getByLabel("Temp (°C)").inputValue()), 38.6);
  assert.ok(await form.getByLabel("History").isDisabled(), "a completed consultation is read-only");
  // The server kept the prescription (the reload read it from GET /api/opd/consultations/{id}), with the reason.
  const kept = form.getByTestId("prescriptions");
  await kept.getByText("Augmentin 625 Duo").waitFor();
  await kept.getByText(/Warning overridden: Mild rash only in childhood/).waitFor();

  // Back on the tablet, the patient is no longer called or in the room.
  await page.getByRole("link", { name: "Back to my queue" }).first().click();
  await queue.locator('[data-live-state="live"]').waitFor();
  await queue.locator(`[data-testid="called"] [data-token="${patient.tokenNumber}"]`).waitFor({ state: "detached" });

  assertNoPageErrors(page);
  await page.context().close();
}
