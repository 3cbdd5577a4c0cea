// OPD check-in at the reception desk, with the department's waiting-room display open on a TV: a registered
// patient by MRN, then a new patient registered in the same step; each gets a token shown large with its slip
// (the server's HTML, previewed and printable), each check-in carries an Idempotency-Key, and the display
// shows the tokens within two seconds with no name anywhere on it. The desk is the front desk (a receptionist
// of no department): it picks the department and the doctor from lists, and every department's queue is live
// for it.

import assert from "node:assert/strict";
import { assertNoPageErrors, docScreenshot, hook, newPage, signIn, within } from "./browser.mjs";
import { assertNoPatientOnScreen, openDisplay } from "./display.mjs";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export async function checkIn(browser, baseURL) {
  const { departmentId, departmentName, token } = await hook("opd-setup");
  const tv = await openDisplay(browser, baseURL, departmentId, token);

  const desk = await newPage(browser, baseURL, { viewport: { width: 1280, height: 1000 } });
  const keys = [];
  desk.on("request", (request) => {
    if (request.method() === "POST" && new URL(request.url()).pathname === "/api/opd/check-in") keys.push(request.headers()["idempotency-key"]);
  });
  await desk.goto(`/opd/queue?departmentId=${departmentId}`);
  await signIn(desk, "reception@demo.local");
  const panel = desk.getByTestId("check-in");
  await panel.getByRole("heading", { name: `Check a patient in to ${departmentName}` }).waitFor();
  // The department and the doctor are chosen from lists (GET /api/opd/departments).
  assert.equal(await panel.getByLabel("Department").inputValue(), departmentId);
  const doctorOptions = await panel.getByLabel("Doctor").locator("option").allInnerTexts();
  assert.equal(doctorOptions[0], "Any doctor of the department");
  assert.ok(doctorOptions.length > 1, "the department's doctors are listed");
  for (const label of doctorOptions.slice(1)) assert.match(label, /^Dr .+ · (on duty now|not on duty now)$/);
  // The front desk's queue of the department is live.
  await desk.getByTestId("opd-queue").locator('[data-live-state="live"]').first().waitFor();

  // A registered patient, by MRN.
  const known = await hook("register");
  await panel.getByLabel("MRN, mobile or ABHA number").fill(known.mrn);
  await panel.getByLabel("Chief complaint").fill("Fever for 3 days");
  await panel.getByRole("button", { name: "Check in and issue token" }).click();
  const issued = desk.getByTestId("issued");
  await issued.waitFor();
  const first = Number(await desk.getByTestId("issued-token").innerText());
  assert.match(await issued.innerText(), new RegExp(`${known.firstName} ${known.lastName}`));
  const slip = desk.frameLocator('[data-testid="slip"]');
  await slip.getByText(String(first), { exact: true }).waitFor();
  await slip.getByText(`${known.firstName} ${known.lastName}`).waitFor();
  await within(2_000, "a check-in at the desk reached the waiting-room display", async (ms) => {
    await tv.locator(`[data-testid="next-tokens"] [data-token="${first}"]`).waitFor({ timeout: ms });
  });
  await docScreenshot(desk, "opd-check-in");

  // An MRN that names nobody: said beside the field.
  await desk.getByRole("button", { name: "Next patient" }).click();
  await panel.getByLabel("MRN, mobile or ABHA number").fill("MRN-2026-999999");
  await panel.getByLabel("Chief complaint").fill("Cough");
  await panel.getByRole("button", { name: "Check in and issue token" }).click();
  await panel.locator('[data-field-error="who"]').waitFor();

  // A new patient, registered in the same step.
  await panel.getByLabel("New patient (register now)").check();
  await panel.getByLabel("First name").fill("Revathi");
  await panel.getByLabel("Last name").fill(`Pillai${Date.now() % 100000}`);
  await panel.getByLabel("Sex").selectOption("FEMALE");
  await panel.getByLabel("Age (years)").fill("67");
  await panel.getByLabel("Mobile").fill(`9${String(Date.now()).slice(-9)}`);
  const doctorLabel = doctorOptions[1];
  await panel.getByLabel("Doctor").selectOption({ label: doctorLabel });
  await panel.getByRole("button", { name: "Check in and issue token" }).click();
  await issued.getByText("registered now").waitFor();
  const doctorName = doctorLabel.split(" · ")[0];
  assert.ok((await issued.innerText()).includes(doctorName), `the token is for ${doctorName}`);
  const second = Number(await desk.getByTestId("issued-token").innerText());
  assert.ok(second > first, `${first} then ${second}`);
  await tv.locator(`[data-testid="next-tokens"] [data-token="${second}"]`).waitFor({ timeout: 2_000 });
  await assertNoPatientOnScreen(tv, [{ ...known }]);
  assert.ok(!(await tv.content()).includes("Revathi"), "no name of the new patient on the display");

  // Every check-in sent its own key.
  assert.equal(keys.length, 3);
  for (const key of keys) assert.match(key ?? "", UUID);
  assert.equal(new Set(keys).size, 3);

  // The queue below is live for the front desk: the new patient is there without a refresh.
  await desk.getByTestId("queue-waiting").locator(`[data-token="${second}"]`).getByText("Revathi").waitFor({ timeout: 2_000 });
  assert.equal(await desk.getByRole("button", { name: "Refresh" }).count(), 0);

  // The front desk's overview: every department's waiting patients, each live; a check-in made elsewhere
  // shows at once.
  await desk.goto("/opd/queue");
  const overview = desk.getByTestId("all-departments");
  const general = overview.locator('[data-department="GMED"]');
  await general.locator('[data-live-state="live"]').waitFor();
  await general.locator(`[data-token="${second}"]`).getByText("Revathi").waitFor();
  // (In another department, so General Medicine's waiting room keeps the tokens the other scenarios expect.)
  const other = overview.locator('[data-testid="department-waiting"]:not([data-department="GMED"])').first();
  await other.locator('[data-live-state="live"]').waitFor();
  const otherId = await other.getAttribute("data-department-id");
  const [elsewhere] = await hook("check-in", { departmentId: otherId });
  await within(2_000, "a check-in reached the front desk's overview", async (ms) => {
    await other.locator(`[data-token="${elsewhere.tokenNumber}"]`).waitFor({ timeout: ms });
  });
  // Checking in from the overview: the department is picked from the list.
  await overview.getByTestId("check-in").getByLabel("Department").selectOption({ label: departmentName });
  await overview.getByTestId("check-in").getByRole("heading", { name: `Check a patient in to ${departmentName}` }).waitFor();

  assertNoPageErrors(desk);
  assertNoPageErrors(tv);
  await desk.context().close();
  await tv.context().close();
}
