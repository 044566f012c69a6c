// One person's whole path through Khronika's web application in a real headless Chromium:
// create the vault with the setup token, log out and in, create a case with an event (act,
// victim, perpetrator unit) and a testimony, upload an evidence file and download it
// byte-exact, search for it, see its history and custody, log out.
//
// Usage: node flow.mjs   with BASE_URL, SETUP_TOKEN, LANG (en|ru), JS (on|off), SHOTS (a
// folder for screenshots), FILE (a file to upload), CHROMIUM (the browser binary).
import { chromium } from 'playwright-core';
import { createHash } from 'node:crypto';
import { readFileSync, mkdirSync } from 'node:fs';
import { join, basename } from 'node:path';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const base = env('BASE_URL').replace(/\/$/, '');
const token = env('SETUP_TOKEN');
const lang = env('LANG_UNDER_TEST');
const js = env('JS') === 'on';
const shots = env('SHOTS');
const file = env('FILE');
const pass = 'correct horse battery staple';
mkdirSync(shots, { recursive: true });

const sha256 = (b) => createHash('sha256').update(b).digest('hex');
let step = 0;
const fail = (what) => {
  throw new Error(`[${lang}, JavaScript ${js ? 'on' : 'off'}] ${what}`);
};

const browser = await chromium.launch({
  executablePath: env('CHROMIUM'),
  args: ['--no-sandbox', '--disable-gpu'],
  headless: true,
});
const context = await browser.newContext({
  javaScriptEnabled: js,
  locale: lang === 'ru' ? 'ru-RU' : 'en-GB',
  acceptDownloads: true,
});
const page = await context.newPage();
const shot = async (name) => {
  step += 1;
  await page.screenshot({ path: join(shots, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
};
const expectText = async (text, where) => {
  const body = await page.content();
  if (!body.includes(text)) fail(`${where}: the page does not show ${JSON.stringify(text)}`);
};
const submit = async (formSelector) => {
  await Promise.all([page.waitForLoadState('load'), page.locator(`${formSelector} button[type=submit]`).first().click()]);
  await page.waitForLoadState('load');
};

try {
  // First start.
  await page.goto(`${base}/`);
  if (!page.url().endsWith('/setup')) fail(`the first page is ${page.url()}, not /setup`);
  if ((await page.getAttribute('html', 'lang')) !== lang) fail('the page is not in the chosen language');
  await page.fill('input[name=token]', token);
  await page.fill('input[name=passphrase]', pass);
  await page.fill('input[name=repeat]', pass);
  await submit('form[action="/setup"]');
  const recovery = (await page.textContent('#recovery-key')) ?? '';
  if (!recovery.startsWith('KR1-')) fail(`no recovery key shown: ${recovery}`);
  const code = ((await page.textContent('#member-code')) ?? '').trim();
  await shot('recovery-key');
  await Promise.all([page.waitForLoadState('load'), page.click('a.button[href="/"]')]);
  await page.waitForLoadState('load');

  // Log out, log in.
  await submit('form[action="/logout"]');
  if (!page.url().endsWith('/login')) fail(`after logout: ${page.url()}`);
  await page.fill('input[name=code]', code);
  await page.fill('input[name=passphrase]', pass);
  await submit('form[action="/login"]');
  if (!page.url().endsWith('/')) fail(`after login: ${page.url()}`);
  await shot('overview');

  // A case with an event and a testimony.
  await page.goto(`${base}/cases/new`);
  await page.fill('input[name=title]', 'Задержания в Ачхой-Мартане');
  await page.fill('textarea[name=summary]', 'Three men detained at a checkpoint.');
  await submit('form[action="/cases/new"]');
  const caseUrl = page.url();
  if (!/\/cases\/C-/.test(caseUrl)) fail(`no case page: ${caseUrl}`);
  await page.goto(`${caseUrl}/events`);
  await page.fill('input[name=title]', 'Detention at the checkpoint');
  await page.fill('input[name=date]', 'around 2014-12');
  await page.fill('input[name=place]', 'Ачхой-Мартан');
  const actValue = await page.locator('select[name=act_type] option').nth(1).getAttribute('value');
  await page.selectOption('select[name=act_type]', actValue);
  await page.fill('input[name=victim_given]', 'Ислам');
  await page.fill('input[name=victim_surname]', 'Дадашев');
  await page.fill('input[name=unit_name]', 'ППС-2');
  await page.selectOption('select[name=role]', 'ordered');
  await submit('form[action$="/events"]');
  await expectText('Detention at the checkpoint', 'the case page');
  await expectText('Дадашев', 'the case page');
  await expectText('ППС-2', 'the case page');
  await page.goto(`${caseUrl}/testimonies`);
  await page.fill('input[name=title]', 'Statement of W-17');
  await page.fill('input[name=pseudonym]', 'W-17');
  await page.fill('textarea[name=transcript]', 'Их вывели из машины и пытали.');
  await page.check('input[name=court]');
  await submit('form[action$="/testimonies"]');
  await expectText('Statement of W-17', 'the case page');
  await shot('case');

  // A person added from the case, then the case edited through its form.
  await page.goto(`${caseUrl}/persons`);
  await page.fill('input[name=given]', 'Магомед');
  await page.fill('input[name=surname]', 'Исаев');
  await submit('form[action$="/persons"]');
  await expectText('Исаев', 'the case page after adding a person');
  await Promise.all([page.waitForLoadState('load'), page.click('a[href$="/edit"]')]);
  await page.fill('input[name="f.title"]', 'Задержания в Ачхой-Мартане, декабрь 2014');
  await shot('edit');
  await submit('form[action$="/edit"]');
  if (page.url() !== caseUrl) fail(`after saving the edit: ${page.url()}, not ${caseUrl}`);
  await expectText('декабрь 2014', 'the edited case');

  // Evidence: upload, custody, byte-exact download.
  const bytes = readFileSync(file);
  await page.goto(`${base}/evidence/new`);
  await page.setInputFiles('input[type=file]', file);
  await submit('form[enctype="multipart/form-data"]');
  if (!/\/evidence\/E/.test(page.url())) fail(`no evidence page after the upload: ${page.url()}`);
  const shown = ((await page.textContent('#sha256')) ?? '').trim();
  if (shown !== sha256(bytes)) fail(`the page shows SHA-256 ${shown}, the file has ${sha256(bytes)}`);
  if ((await page.locator('#custody li').count()) < 2) fail('no chain of custody');
  await shot('evidence');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href$="/download"]')]);
  const saved = join(shots, 'downloaded.bin');
  await download.saveAs(saved);
  if (sha256(readFileSync(saved)) !== sha256(bytes)) fail('the downloaded file differs from the uploaded one');
  if (download.suggestedFilename() !== basename(file)) fail(`download named ${download.suggestedFilename()}`);

  // Search: the file by its name, the testimony by another form of a word.
  await page.goto(`${base}/search?q=${encodeURIComponent(basename(file).split('.')[0])}`);
  await expectText(basename(file), 'the search for the file');
  await page.goto(`${base}/search`);
  await page.fill('input[name=q]', 'пытки');
  await submit('form.search');
  await expectText('Statement of W-17', 'the search for пытки');
  await shot('search');

  // History of the case.
  await page.goto(caseUrl);
  await page.click('a[href$="/history"]');
  await expectText('Задержания в Ачхой-Мартане', 'the history');
  await shot('history');

  // Administration: add a member, who gets a code to log in with.
  await page.goto(`${base}/admin/members`);
  await page.fill('input[name=name]', 'Анна');
  await page.selectOption('select[name=role]', 'documenter');
  await page.fill('input[name=passphrase]', 'anna first passphrase');
  await page.fill('input[name=repeat]', 'anna first passphrase');
  await submit('form[action="/admin/members"]');
  const annaCode = ((await page.textContent('#added .code')) ?? '').trim();
  if (!/^[0-9a-f]{8}$/.test(annaCode)) fail(`no member code for the new member: ${annaCode}`);
  await shot('members');

  // Log out: the pages are closed again.
  await submit('form[action="/logout"]');
  await page.goto(`${base}/cases`);
  if (!page.url().endsWith('/login')) fail('the cases are still shown after logout');
  await shot('logged-out');
  console.log(`ok: ${lang}, JavaScript ${js ? 'on' : 'off'}, ${step} screenshots in ${shots}`);
} catch (e) {
  await shot('failure').catch(() => {});
  console.error(e.message ?? e);
  process.exitCode = 1;
} finally {
  await browser.close();
}
