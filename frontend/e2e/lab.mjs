// The lab worklist in two browsers against the real server: two lab technicians on /lab. A doctor's STAT order
// appears on both within two seconds (the lab:{section} topic). One collects the sample, starts processing and
// enters a high glucose: the server flags it H ("High"). They may not verify their own result; the second
// technician verifies and releases it, and it leaves both worklists at once.

import assert from "node:assert/strict";
import { assertNoPageErrors, hook, newPage, screenshot, signIn, within } from "./browser.mjs";

async function openLab(browser, baseURL, email) {
  const page = await newPage(browser, baseURL, { viewport: { width: 1440, height: 1000 } });
  await page.goto("/lab");
  await signIn(page, email);
  await page.getByTestId("lab-worklist").waitFor();
  await page.locator('[data-testid="lab-worklist"] [data-live-state="live"]').first().waitFor();
  return page;
}

export async function lab(browser, baseURL) {
  const { emails } = await hook("technicians");
  const first = await openLab(browser, baseURL, emails[0]);
  const second = await openLab(browser, baseURL, emails[1]);

  const order = await hook("lab-order");
  const row = (page) => page.locator(`[data-order="${order.accessionNumber}"]`);
  await within(2_000, "a new order reached both worklists", async (ms) => {
    await Promise.all([row(first).waitFor({ timeout: ms }), row(second).waitFor({ timeout: ms })]);
  });
  assert.match(await row(first).innerText(), new RegExp(order.mrn));

  await row(first).getByRole("button", { name: `Open ${order.accessionNumber}` }).click();
  const panel = first.getByTestId("lab-order");
  await panel.getByRole("button", { name: "Collect sample" }).click();
  await within(2_000, "the collected sample reached the other worklist", async (ms) => {
    await second.locator(`[data-order="${order.accessionNumber}"][data-status="SAMPLE_COLLECTED"]`).waitFor({ timeout: ms });
  });
  await panel.getByRole("button", { name: "Start processing" }).click();
  await panel.getByLabel(/Glucose, random/).fill("180");
  await panel.getByRole("button", { name: "Save results" }).click();
  const result = panel.locator('[data-result="GLU"]');
  await result.waitFor();
  assert.equal(await result.getAttribute("data-flag"), "H");
  assert.match(await result.innerText(), /H · High/);
  await second.locator(`[data-order="${order.accessionNumber}"][data-status="COMPLETED"]`).waitFor({ timeout: 2_000 });
  await screenshot(first, "lab-result-entry");

  // Whoever entered the results may not verify them.
  await panel.getByRole("button", { name: "Verify and release" }).click();
  await panel.getByRole("alert").waitFor();
  assert.equal(await first.locator(`[data-order="${order.accessionNumber}"][data-status="COMPLETED"]`).count(), 1);

  // The second technician verifies: released to the doctor, gone from both worklists.
  await row(second).getByRole("button", { name: `Open ${order.accessionNumber}` }).click();
  const other = second.getByTestId("lab-order");
  await other.locator('[data-result="GLU"][data-flag="H"]').waitFor();
  await other.getByRole("button", { name: "Verify and release" }).click();
  await within(2_000, "the verified order left the other worklist", async (ms) => {
    await Promise.all([
      row(first).waitFor({ state: "detached", timeout: ms }),
      row(second).waitFor({ state: "detached", timeout: ms }),
    ]);
  });

  for (const page of [first, second]) assertNoPageErrors(page);
  await Promise.all([first, second].map((p) => p.context().close()));
}
