// Opens the dashboard in headless chromium and checks what a user must see; run by DashboardBrowserTest.
// Environment: UI_URL, BUILD_ID, MEMBERS (comma-separated addresses), EXPECT_BARS, EXPECT_PROGRESS, SCREENSHOT,
// CHROMIUM (the browser binary), ADMIN_TOKEN (the node's troupe.admin.token), RELOAD_NAME (a reloadable name).
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
const adminToken = env('ADMIN_TOKEN');
const reloadName = env('RELOAD_NAME');
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

  // the node has a token: no reload button until the token field holds the right one
  const reloadButton = page.locator(`#reloads button.reload[data-name="${reloadName}"]`);
  await page.locator('#admin-token').waitFor({ state: 'visible', timeout: TIMEOUT });
  if ((await page.locator('#reloads button.reload').count()) !== 0) throw new Error('reload buttons shown without the token');
  await page.fill('#token-input', 'not-the-token');
  await page.click('#token-use');
  await page.waitForFunction(() => document.getElementById('token-status').textContent === 'token refused', null,
    { timeout: TIMEOUT });
  if ((await page.locator('#reloads button.reload').count()) !== 0) throw new Error('reload buttons shown for a wrong token');
  await page.fill('#token-input', adminToken);
  await page.press('#token-input', 'Enter');
  await reloadButton.waitFor({ timeout: TIMEOUT });
  const cookies = await page.context().cookies();
  if (page.url().includes(adminToken) || cookies.some((c) => c.value.includes(adminToken))) {
    throw new Error(`the token leaked into the URL (${page.url()}) or a cookie`);
  }
  await reloadButton.click();
  await page.waitForFunction((name) => {
    const text = document.getElementById('reload-result').textContent;
    return text.startsWith(`reload ${name}: HTTP 200`) && text.includes('"version":"v7"');
  }, reloadName, { timeout: TIMEOUT }).catch(async () => {
    throw new Error(`reload answer: ${await page.locator('#reload-result').innerText()}`);
  });
  await page.screenshot({ path: screenshot, fullPage: true });
  // the token stays for this tab (sessionStorage): a reloaded page shows the buttons again
  await page.reload();
  await reloadButton.waitFor({ timeout: TIMEOUT });
  // forgetting the token takes the buttons away again
  await page.click('#token-forget');
  await reloadButton.waitFor({ state: 'detached', timeout: TIMEOUT });
  if (await page.evaluate(() => sessionStorage.length) !== 0) throw new Error('the token stayed in sessionStorage');
  console.log(`dashboard ok: ${members.length} members, work ${buildId} at ${expectProgress}, ${expectBars} timeline bars,`
    + ` reload button only with the token`);
} catch (e) {
  failed = true;
  console.error(`dashboard check failed: ${e.message}`);
  await page.screenshot({ path: screenshot.replace(/\.png$/, '-failed.png'), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
