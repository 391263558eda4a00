// Opens the dashboard in headless chromium and checks what a user must see; run by DashboardBrowserTest.
// Environment: UI_URL, BUILD_ID, MEMBERS (comma-separated addresses), EXPECT_BARS, EXPECT_PROGRESS, SCREENSHOT,
// CHROMIUM (the browser binary).
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`dashboard.test.mjs: environment variable ${name} is not set`);
  return value;
};

const url = env('UI_URL');
const buildId = env('BUILD_ID');
const members = env('MEMBERS').split(',');
const expectBars = parseInt(env('EXPECT_BARS'), 10);
const expectProgress = env('EXPECT_PROGRESS');
const screenshot = env('SCREENSHOT');
const TIMEOUT = 20000;

const browser = await chromium.launch({
  executablePath: env('CHROMIUM'),
  headless: true,
  // CI runs as root in a container: chromium's own sandbox needs user namespaces it may not have
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});
let failed = false;
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
try {
  page.on('console', (m) => { if (m.type() === 'error') console.error('page console:', m.text()); });
  await page.goto(url);
  const memberRows = page.locator('#members tr.member');
  await memberRows.nth(members.length - 1).waitFor({ timeout: TIMEOUT });
  const memberText = await page.locator('#members').innerText();
  for (const m of members) {
    if (!memberText.includes(m)) throw new Error(`member ${m} not shown; members table:\n${memberText}`);
  }
  if ((await memberRows.count()) !== members.length) {
    throw new Error(`expected ${members.length} members, table:\n${memberText}`);
  }
  if (!/Up/.test(memberText)) throw new Error(`no member shown Up:\n${memberText}`);

  const work = page.locator(`#works tr.work[data-id="${buildId}"]`);
  await work.waitFor({ timeout: TIMEOUT });
  await page.waitForFunction(([id, progress]) => {
    const cell = document.querySelector(`#works tr.work[data-id="${id}"] .work-progress`);
    return cell && cell.textContent.includes(progress);
  }, [buildId, expectProgress], { timeout: TIMEOUT });
  const state = await work.locator('.work-state').innerText();
  if (!state.startsWith('running')) throw new Error(`work ${buildId} is shown as '${state}', not running`);

  await page.waitForFunction((n) => document.querySelectorAll('#timeline .subwork-bar').length === n, expectBars,
    { timeout: TIMEOUT });
  // /workers asks every worker on each refresh: wait for a refresh in which all of them answered
  await page.waitForFunction((n) => document.querySelectorAll('#workers tr.worker').length === n, members.length,
    { timeout: TIMEOUT }).catch(async () => {
    const text = await page.locator('#workers').innerText();
    const status = await page.locator('#status').innerText();
    throw new Error(`expected ${members.length} workers; workers table:\n${text}\nstatus: ${status}`);
  });
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`dashboard ok: ${members.length} members, work ${buildId} at ${expectProgress}, ${expectBars} timeline bars`);
} catch (e) {
  failed = true;
  console.error(`dashboard check failed: ${e.message}`);
  await page.screenshot({ path: screenshot.replace(/\.png$/, '-failed.png'), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
