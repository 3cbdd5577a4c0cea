// The live socket through the TypeScript client, in two browsers against the real server: a registration
// at one desk shows at the other within two seconds; the other desk loses its network, a registration
// happens meanwhile, and when the network is back the desk catches up by itself (resume with since).

import assert from "node:assert/strict";
import { assertNoPageErrors, newPage, screenshot, signIn, uniqueLetters, uniqueMobile } from "./browser.mjs";

async function register(page) {
  await page.getByLabel("First name").fill(uniqueLetters());
  await page.getByLabel("Last name").fill(uniqueLetters());
  await page.getByLabel("Date of birth").fill("1990-01-15");
  await page.getByLabel("Gender").selectOption("MALE");
  await page.getByLabel("Mobile").fill(uniqueMobile());
  await page.getByRole("button", { name: "Register", exact: true }).click();
  const registered = page.getByTestId("registered");
  await registered.waitFor();
  const mrn = (await registered.innerText()).match(/MRN-\d{4}-\d{6}/)?.[0];
  assert.ok(mrn);
  return mrn;
}

export async function liveRegistrations(browser, baseURL) {
  const deskA = await newPage(browser, baseURL);
  const deskB = await newPage(browser, baseURL);
  for (const [page, email] of [[deskA, "reception@demo.local"], [deskB, "admin@demo.local"]]) {
    await page.goto("/reception");
    await signIn(page, email);
    if (!page.url().endsWith("/reception")) await page.getByRole("link", { name: "Reception" }).click();
    await page.waitForURL("**/reception");
  }
  const statusB = deskB.locator("[data-live-state]");
  await deskB.locator('[data-live-state="live"]').waitFor();

  const started = Date.now();
  const first = await register(deskA);
  await deskB.getByTestId("recent-registrations").getByText(first).waitFor({ timeout: 2_000 });
  console.log(`a registration reached the other desk in ${Date.now() - started} ms`);

  // Desk B's network goes; the badge says so; a registration happens meanwhile.
  await deskB.context().setOffline(true);
  await deskB.locator('[data-live-state="connecting"]').waitFor({ timeout: 70_000 });
  const second = await register(deskA);
  await deskB.waitForTimeout(500);
  assert.equal(await deskB.getByText(second).count(), 0, "nothing arrives while offline");

  await deskB.context().setOffline(false);
  await deskB.getByTestId("recent-registrations").getByText(second).waitFor({ timeout: 15_000 });
  await deskB.locator('[data-live-state="live"]').waitFor();
  assert.match(await statusB.innerText(), /Live/);
  await screenshot(deskB, "reception-live");

  assertNoPageErrors(deskA);
  await deskA.context().close();
  await deskB.context().close();
}
