// Runs browser scenarios against a running server: `node e2e/run.mjs <base url> <scenario>...`.
// tests/e2e (pytest) starts the real app and calls this; it exits non-zero on the first failure.

import { admin } from "./admin.mjs";
import { census } from "./census.mjs";
import { censusAdmit } from "./census-admit.mjs";
import { consultation } from "./consultation.mjs";
import { lab } from "./lab.mjs";
import { checkIn } from "./checkin.mjs";
import { display, displayRestart } from "./display.mjs";
import { doctor } from "./doctor.mjs";
import { ward } from "./ward.mjs";
import { launch } from "./browser.mjs";
import { liveRegistrations } from "./live.mjs";
import { reception } from "./reception.mjs";
import { expiredSession, idleSession } from "./session.mjs";

const SCENARIOS = { census, "check-in": checkIn, display, "display-restart": displayRestart, doctor, ward, reception, admin, "expired-session": expiredSession, "idle-session": idleSession, "live-registrations": liveRegistrations, consultation, lab, "census-admit": censusAdmit };

const [baseURL, ...names] = process.argv.slice(2);
if (!baseURL || names.length === 0 || names.some((n) => !(n in SCENARIOS))) {
  console.error(`usage: node e2e/run.mjs <base url> <${Object.keys(SCENARIOS).join("|")}>...`);
  process.exit(2);
}

const browser = await launch();
let failed = false;
try {
  for (const name of names) {
    const started = performance.now();
    try {
      await SCENARIOS[name](browser, baseURL);
      console.log(`ok ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    } catch (error) {
      failed = true;
      console.error(`FAILED ${name}: ${error?.stack ?? error}`);
      break;
    }
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
