// Reception, in the real browser against the real server: sign in, find a seeded patient by MRN, name
// and phone, register a new patient, see the duplicate check and register anyway, and field errors.

import assert from "node:assert/strict";
import { assertNoPageErrors, newPage, screenshot, signIn, uniqueLetters, uniqueMobile } from "./browser.mjs";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export async function reception(browser, baseURL) {
  const page = await newPage(browser, baseURL);
  const posts = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && new URL(request.url()).pathname === "/api/patients") {
      posts.push({ key: request.headers()["idempotency-key"], body: JSON.parse(request.postData() ?? "{}") });
    }
  });

  await page.goto("/");
  await signIn(page, "reception@demo.local");
  await page.waitForURL("**/reception");
  await page.getByRole("heading", { name: "Reception" }).waitFor();

  // A seeded patient, by MRN, then by the name and the phone shown for them.
  const search = page.getByLabel("Name, phone, MRN or health ID");
  await search.fill("MRN-2026-000001");
  await page.getByRole("button", { name: "Search" }).click();
  const row = page.getByTestId("search-results").locator("tbody tr").first();
  await row.getByText("MRN-2026-000001").waitFor();
  const name = (await row.locator("td").nth(1).innerText()).trim();
  const phone = (await row.locator("td").nth(4).innerText()).trim();
  assert.ok(name.length > 1 && phone.length >= 10, `seeded patient shows a name and phone: ${name} / ${phone}`);

  await search.fill(name);
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByTestId("search-results").getByText("MRN-2026-000001").waitFor();
  await search.fill(phone);
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByTestId("search-results").getByText("MRN-2026-000001").waitFor();
  await screenshot(page, "reception-search");

  // The server's field error shows beside the field it names.
  const first = uniqueLetters();
  const last = uniqueLetters();
  const mobile = uniqueMobile();
  await page.getByLabel("First name").fill(first);
  await page.getByLabel("Last name").fill(last);
  await page.getByLabel("Date of birth").fill("1988-04-12");
  await page.getByLabel("Gender").selectOption("FEMALE");
  await page.getByLabel("Mobile").fill("12345");
  await page.getByRole("button", { name: "Register", exact: true }).click();
  const phoneError = page.locator('[data-field-error="phone"]');
  await phoneError.waitFor();
  assert.equal(await page.getByLabel("Mobile").getAttribute("aria-invalid"), "true");

  // A new patient.
  await page.getByLabel("Mobile").fill(mobile);
  await page.getByRole("button", { name: "Register", exact: true }).click();
  const registered = page.getByTestId("registered");
  await registered.waitFor();
  const firstMrn = (await registered.innerText()).match(/MRN-\d{4}-\d{6}/)?.[0];
  assert.ok(firstMrn, "the new MRN is shown");
  assert.match(await registered.innerText(), new RegExp(`${first} ${last}`));
  assert.equal(await page.getByLabel("First name").inputValue(), "", "the form is cleared after registering");

  // The same person again: the duplicate check names the record just made.
  await page.getByLabel("First name").fill(first);
  await page.getByLabel("Last name").fill(last);
  await page.getByLabel("Date of birth").fill("1988-04-12");
  await page.getByLabel("Gender").selectOption("FEMALE");
  await page.getByLabel("Mobile").fill(mobile);
  await page.getByRole("button", { name: "Register", exact: true }).click();
  const duplicates = page.getByTestId("duplicates");
  await duplicates.getByText(firstMrn, { exact: true }).waitFor();
  await screenshot(page, "reception-duplicate");
  await duplicates.getByRole("button", { name: "Different person: register anyway" }).click();
  await registered.waitFor();
  const secondMrn = (await registered.innerText()).match(/MRN-\d{4}-\d{6}/)?.[0];
  assert.ok(secondMrn && secondMrn !== firstMrn, `a second record with its own MRN: ${firstMrn} then ${secondMrn}`);

  // Every registering POST carried its own Idempotency-Key; "register anyway" sent confirmNotDuplicate.
  const sent = posts.filter((p) => p.body.phone === mobile);
  assert.equal(sent.length, 3, `three registrations with the good phone were sent: ${JSON.stringify(sent)}`);
  for (const post of posts) assert.match(post.key ?? "", UUID);
  assert.equal(new Set(sent.map((p) => p.key)).size, 3);
  assert.equal(sent[2].body.confirmNotDuplicate, true);
  assert.equal(sent[1].body.confirmNotDuplicate, undefined);

  // "Same person" opens the existing record in the search.
  await page.getByLabel("First name").fill(first);
  await page.getByLabel("Last name").fill(last);
  await page.getByLabel("Date of birth").fill("1988-04-12");
  await page.getByLabel("Gender").selectOption("FEMALE");
  await page.getByLabel("Mobile").fill(mobile);
  await page.getByRole("button", { name: "Register", exact: true }).click();
  await duplicates.waitFor();
  await duplicates.getByRole("button", { name: `Same person: use ${firstMrn}` }).click();
  await page.getByTestId("search-results").getByText(firstMrn).waitFor();
  assert.equal(await search.inputValue(), firstMrn);

  assertNoPageErrors(page);
  await page.context().close();
}
