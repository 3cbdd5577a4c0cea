// The ADMIN screens in the real browser: create a staff account, change its role (with If-Match) and
// deactivate it; issue a device token (shown once), see its last use, revoke it; then log out.

import assert from "node:assert/strict";
import { assertNoPageErrors, newPage, screenshot, signIn, uniqueLetters } from "./browser.mjs";

export async function admin(browser, baseURL) {
  const page = await newPage(browser, baseURL);
  const updates = [];
  page.on("request", (request) => {
    if (request.method() === "PUT") updates.push({ url: request.url(), ifMatch: request.headers()["if-match"] });
  });

  await page.goto("/");
  await signIn(page, "admin@demo.local");
  await page.waitForURL("**/admin/users");
  await page.getByRole("heading", { name: "Staff accounts" }).waitFor();

  // A new account with a one-time password.
  const first = uniqueLetters();
  const email = `${first.toLowerCase()}@e2e.local`;
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("First name").fill(first);
  await page.getByLabel("Last name").fill("Tester");
  await page.getByLabel("Role", { exact: true }).selectOption("NURSE");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByTestId("temporary-password").waitFor();
  const row = page.locator(`tr[data-user="${email}"]`);
  await row.waitFor();

  // Change the role; the PUT names the version it was based on.
  await row.getByLabel(`Role of ${first} Tester`).selectOption("LAB_STAFF");
  await row.getByRole("button", { name: "Save role" }).click();
  await page.getByText(`${first} Tester is now Laboratory.`).waitFor();
  const put = updates.find((u) => u.url.endsWith("/role"));
  assert.equal(put?.ifMatch, '"1"', "the role change carried If-Match with the account's version");
  assert.equal(await row.getByLabel(`Role of ${first} Tester`).inputValue(), "LAB_STAFF");

  await row.getByRole("button", { name: "Deactivate" }).click();
  await row.getByText("Deactivated").waitFor();
  await screenshot(page, "admin-users");

  // A device token: shown once, then listed with its last use, then revoked.
  await page.getByRole("link", { name: "Device tokens" }).click();
  await page.getByRole("heading", { name: "Device tokens" }).waitFor();
  const deviceName = `Waiting room TV ${uniqueLetters(4)}`;
  await page.getByLabel("Name").fill(deviceName);
  await page.getByLabel("Topics").fill("census");
  // The waiting room's display topic is chosen from the departments, not typed as an id.
  await page.getByLabel("Add a waiting-room display").selectOption({ label: "General Medicine" });
  const topics = await page.getByLabel("Topics").inputValue();
  assert.match(topics, /^census, display:[0-9a-f-]{36}$/, topics);
  await page.getByRole("button", { name: "Issue token" }).click();
  const issued = page.getByTestId("issued-token");
  await issued.waitFor();
  await issued.getByTestId("screen-links").getByText("Waiting room: General Medicine").waitFor();
  const token = await issued.getByLabel("Device token").inputValue();
  assert.match(token, /^dev_/);
  await screenshot(page, "admin-device-token");
  await issued.getByRole("button", { name: "Done, hide it" }).click();
  assert.equal(await page.getByTestId("issued-token").count(), 0, "the token is gone from the page");
  assert.equal((await page.content()).includes(token), false);

  const device = page.locator(`tr[data-device="${deviceName}"]`);
  await device.getByText("Never").waitFor();
  await device.getByText("census, Waiting room: General Medicine").waitFor();
  // The device uses its token (it asks for a socket ticket, as a display does), and the list shows it.
  const used = await fetch(new URL("/api/ws-ticket", baseURL), { method: "POST", headers: { Authorization: `Bearer ${token}` } });
  assert.equal(used.status, 201, `the new device token works: ${used.status}`);
  await page.reload();
  await device.waitFor();
  assert.equal(await device.getByText("Never").count(), 0, "last use is shown after the device used its token");

  await device.getByRole("button", { name: "Revoke" }).click();
  await device.getByRole("button", { name: "Confirm revoke" }).click();
  await device.getByText(/^Revoked/).waitFor();
  const refused = await fetch(new URL("/api/ws-ticket", baseURL), { method: "POST", headers: { Authorization: `Bearer ${token}` } });
  assert.equal(refused.status, 401, "a revoked token is refused");

  // Log out: back at log-in, and a reload does not sign anyone in again.
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.getByText("You have signed out.").waitFor();
  await page.reload();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  assert.equal(await page.getByTestId("signed-in-as").count(), 0);

  assertNoPageErrors(page);
  await page.context().close();
}
