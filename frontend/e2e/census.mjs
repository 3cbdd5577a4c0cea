// The census board in three browsers against the real server: a nurse of the General Medicine Ward and an
// administrator on /census, and a wall screen signed in with a device token. The nurse marks a bed cleaned:
// the administrator's board and the wall screen show it within two seconds, counts and all. The
// administrator puts the bed under maintenance with a note; the nurse sees it, with how long. The wall
// screen is read-only and keeps its token out of the address bar.

import assert from "node:assert/strict";
import { assertNoPageErrors, docScreenshot, hook, newPage, screenshot, signIn, within } from "./browser.mjs";

async function openCensus(browser, baseURL, email) {
  const page = await newPage(browser, baseURL, { viewport: { width: 1440, height: 1000 } });
  await page.goto("/census");
  await signIn(page, email);
  await page.getByTestId("census").waitFor();
  await page.locator('[data-ward="GMW"] [data-testid="ward-beds"]').waitFor();
  await page.locator('[data-testid="census"] > div [data-live-state="live"]').first().waitFor();
  return page;
}

const total = async (page, state) => Number(await page.getByTestId(`total-${state}`).innerText());
const bedIn = (page, bedNumber) => page.locator(`[data-ward="GMW"] [data-bed="${bedNumber}"]`);

export async function census(browser, baseURL) {
  const { wards } = await hook("wards");
  const nurse = await openCensus(browser, baseURL, "nurse@demo.local");
  const admin = await openCensus(browser, baseURL, "admin@demo.local");

  // The nurse of GMW sees its beds; another ward's beds are for that ward's nurses (counts only).
  assert.equal(await nurse.locator('[data-ward="SGW"] [data-testid="ward-beds-unavailable"]').count(), 1);
  assert.ok((await admin.locator('[data-ward="SGW"] [data-bed]').count()) > 0, "ADMIN sees every ward's beds");

  // A GMW bed to clean: one in CLEANING, or an available one sent to cleaning first (a change too).
  let bed = nurse.locator('[data-ward="GMW"] button[data-state="CLEANING"]').first();
  if ((await bed.count()) === 0) {
    await nurse.locator('[data-ward="GMW"] button[data-state="AVAILABLE"]').first().click();
    await nurse.getByTestId("bed-actions").getByRole("button", { name: "Needs cleaning" }).click();
    bed = nurse.locator('[data-ward="GMW"] button[data-state="CLEANING"]').first();
  }
  const bedNumber = await bed.getAttribute("data-bed");
  assert.ok(bedNumber);
  await bedIn(admin, bedNumber).and(admin.locator('[data-state="CLEANING"]')).waitFor();
  // How long it has been in cleaning is on the tile and in the list of beds out of service.
  await nurse.locator(`[data-ward="GMW"] [data-out-of-service="${bedNumber}"]`).getByText(/in cleaning for/).waitFor();
  assert.match(await bedIn(nurse, bedNumber).innerText(), /min|hour|less than a minute|\d+ h|days/);
  const before = { available: await total(admin, "AVAILABLE"), cleaning: await total(admin, "CLEANING") };

  // The wall screen: a device token for the census and GMW, opened once with ?device=.
  const { token } = await hook("device", { name: "Bed office wall", topics: ["census", `ward:${wards.GMW}`] });
  const wall = await newPage(browser, baseURL, { viewport: { width: 1920, height: 1080 } });
  await wall.goto(`/census?device=${token}`);
  await wall.getByTestId("census").waitFor();
  assert.equal(new URL(wall.url()).search, "", "the token is taken out of the address");
  assert.equal(await wall.evaluate(() => localStorage.getItem("hl.device-token")), token);
  await wall.locator(`[data-ward="GMW"] [data-bed="${bedNumber}"]`).waitFor();
  assert.equal(await wall.locator("[data-ward] button[data-bed]").count(), 0, "a device's census is read-only");
  assert.equal(await wall.getByTestId("signed-in-as").count(), 0, "nobody is signed in on the wall screen");
  assert.equal(await wall.locator('[data-ward="SGW"] [data-testid="ward-beds-unavailable"]').count(), 1, "only the wards its token lists");
  // How long a bed has been in cleaning comes with the census itself (statusChangedAt): the wall has it too.
  await wall.locator(`[data-ward="GMW"] [data-out-of-service="${bedNumber}"]`).getByText(/in cleaning for/).waitFor();

  // The nurse marks it cleaned: every other board shows it within 2 s.
  await bed.click();
  const actions = nurse.getByTestId("bed-actions");
  await actions.getByRole("heading", { name: new RegExp(`Bed ${bedNumber}: Cleaning`) }).waitFor();
  await actions.getByRole("button", { name: "Mark cleaned" }).click();
  await within(2_000, "a bed marked cleaned reached the other census board", async (ms) => {
    await Promise.all([
      admin.locator(`[data-ward="GMW"] [data-bed="${bedNumber}"][data-state="AVAILABLE"]`).waitFor({ timeout: ms }),
      wall.locator(`[data-ward="GMW"] [data-bed="${bedNumber}"][data-state="AVAILABLE"]`).waitFor({ timeout: ms }),
      wall.locator(`[data-ward="GMW"] [data-out-of-service="${bedNumber}"]`).waitFor({ state: "detached", timeout: ms }),
    ]);
  });
  await admin.waitForFunction(
    ([available]) => Number(document.querySelector('[data-testid="total-AVAILABLE"]')?.textContent) === available,
    [before.available + 1],
  );
  assert.equal(await total(admin, "CLEANING"), before.cleaning - 1);
  assert.equal(await total(wall, "AVAILABLE"), before.available + 1, "the wall's counts moved too");

  // The administrator puts it under maintenance with a note; the nurse's board shows it at once.
  await admin.locator(`[data-ward="GMW"] button[data-bed="${bedNumber}"]`).click();
  const adminActions = admin.getByTestId("bed-actions");
  await adminActions.getByLabel(/Note/).fill("Oxygen outlet leaking");
  await adminActions.getByRole("button", { name: "Needs maintenance" }).click();
  await within(2_000, "maintenance reached the nurse's board", async (ms) => {
    await nurse.locator(`[data-ward="GMW"] [data-bed="${bedNumber}"][data-state="MAINTENANCE"]`).waitFor({ timeout: ms });
  });
  await nurse.locator(`[data-ward="GMW"] [data-out-of-service="${bedNumber}"]`).getByText(/under maintenance for less than a minute/).waitFor({ timeout: 2_000 });
  await wall.locator(`[data-ward="GMW"] [data-out-of-service="${bedNumber}"][data-state="MAINTENANCE"]`).waitFor({ timeout: 2_000 });
  await admin.evaluate(() => window.scrollTo(0, 0));
  await docScreenshot(admin, "census");
  await screenshot(wall, "census-wall-device");

  // Back in service, from the nurse's board; a stale version is refused plainly, not applied twice.
  await nurse.locator(`[data-ward="GMW"] button[data-bed="${bedNumber}"]`).click();
  await nurse.getByTestId("bed-actions").getByRole("button", { name: "Back in service" }).click();
  await wall.locator(`[data-ward="GMW"] [data-bed="${bedNumber}"][data-state="AVAILABLE"]`).waitFor({ timeout: 2_000 });

  for (const page of [nurse, admin, wall]) assertNoPageErrors(page);
  await Promise.all([nurse, admin, wall].map((p) => p.context().close()));
}
