'use strict';
// End-to-end browser tests of rathaus.
//
// The suite starts `rathaus serve --demo` itself on a free loopback port with a
// fresh data directory (staff second factor switched ON), drives Debian's
// Chromium through playwright-core and runs axe-core (WCAG 2.1 A/AA) on every
// page it visits. See README.md.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { setTimeout: delay } = require('node:timers/promises');
const { chromium } = require('playwright-core');
const { totp, currentStep, splitEntity, mailTexts, decodeQuotedPrintable } = require('./helpers');

/** The text of a PDF (poppler's pdftotext, installed by .ci/run). */
function pdfText(bytes) {
  return execFileSync('pdftotext', ['-layout', '-', '-'], { input: bytes }).toString('utf8').replace(/\s+/g, ' ');
}

// ---------------------------------------------------------------- settings

const E2E_DIR = __dirname;
const RATHAUS_BIN = process.env.RATHAUS_BIN
  ? path.resolve(E2E_DIR, process.env.RATHAUS_BIN)
  : path.resolve(E2E_DIR, process.env.CARGO_TARGET_DIR || '../target', 'debug', 'rathaus');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const RESULTS_DIR = path.join(E2E_DIR, 'test-results');
const READY_TIMEOUT_MS = 60_000;
const MAIL_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 200;
const TEST_TIMEOUT_MS = 300_000;

const DEMO_PASSWORD = 'Demo-Passwort-2026';
const ADMIN_EMAIL = 'admin@musterstadt.example';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const AXE_PATH = require.resolve('axe-core/axe.min.js');

const JITSI_URL = 'https://meet.e2e.example';
const JITSI_SECRET = 'e2e-geheimnis-fuer-jitsi-token-hs256';
const DESKTOP = { width: 1280, height: 800 };
const MOBILE = { width: 360, height: 740 };
const PHONE = { width: 390, height: 844 };

// ------------------------------------------------------------ shared state

let server = null; // { child, port, baseUrl, dataDir, log: string[] }
let browser = null;
const checkedPages = []; // lines for test-results/pages.txt
const allViolations = []; // for test-results/axe-violations.json
const pageOptions = new WeakMap(); // page -> { label, checkOverflow, problems }
let anyFailure = false;
let startupError = null; // set when the server or the browser could not be started

// ------------------------------------------------------------------ server

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function serverLogTail(max = 8000) {
  if (!server) return '';
  const text = server.log.join('');
  return text.length > max ? '…' + text.slice(-max) : text;
}

function reportServerLog(reason) {
  process.stderr.write(
    `\n----- rathaus server output (${reason}) -----\n${serverLogTail() || '(empty)'}\n` +
      `----- end of server output (data dir: ${server ? server.dataDir : '-'}) -----\n`,
  );
}

async function startServer() {
  if (!fs.existsSync(RATHAUS_BIN)) {
    throw new Error(
      `rathaus binary not found at ${RATHAUS_BIN}. Build it first (cargo build -p rathaus) ` +
        'or point RATHAUS_BIN / CARGO_TARGET_DIR at it.',
    );
  }
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rathaus-e2e-'));
  const log = [];
  const child = spawn(
    RATHAUS_BIN,
    ['serve', '--demo', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`],
    {
      env: {
        ...process.env,
        RATHAUS_IDENTITY__STAFF_TOTP_REQUIRED: 'true',
        RATHAUS_PUBLIC_URL: baseUrl,
        // Video meetings: a Jitsi server the browser never reaches (the
        // journey answers its address itself and checks the token).
        RATHAUS_ROOMS__JITSI_URL: JITSI_URL,
        RATHAUS_ROOMS__JITSI_APP_ID: 'rathaus-e2e',
        RATHAUS_ROOMS__JITSI_SECRET: JITSI_SECRET,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (chunk) => {
    log.push(chunk.toString('utf8'));
    // Keep memory bounded on chatty logs.
    if (log.length > 5000) log.splice(0, log.length - 5000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  child.on('error', (err) => {
    exited = { code: null, signal: null, error: err };
  });
  server = { child, port, baseUrl, dataDir, log };
  // Never leave the server behind, even if the test process is torn down.
  process.once('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(
        `rathaus exited before it was ready (code ${exited.code}, signal ${exited.signal}` +
          `${exited.error ? ', ' + exited.error.message : ''})`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      lastError = `GET /readyz answered ${res.status}`;
    } catch (err) {
      lastError = err.cause ? `${err.message}: ${err.cause.code || err.cause.message}` : err.message;
    }
    await delay(POLL_INTERVAL_MS);
  }
  throw new Error(`rathaus was not ready within ${READY_TIMEOUT_MS / 1000} s (${lastError})`);
}

async function stopServer() {
  if (!server) return;
  const { child } = server;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  if (anyFailure || process.env.E2E_KEEP_DATA) {
    process.stderr.write(`rathaus data dir kept for inspection: ${server.dataDir}\n`);
  } else {
    fs.rmSync(server.dataDir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ helpers

/** URL of a path on the server under test. */
const url = (p) => server.baseUrl + p;

/** Text with Fluent's Unicode isolation marks removed and whitespace collapsed. */
const clean = (s) => (s || '').replace(/[\u2068\u2069]/g, '').replace(/\s+/g, ' ').trim();

async function newPage(viewport, { label, checkOverflow = false }) {
  const context = await browser.newContext({ viewport, locale: 'de-DE' });
  context.setDefaultTimeout(30_000);
  context.setDefaultNavigationTimeout(60_000);
  const page = await context.newPage();
  pageOptions.set(page, { label, checkOverflow, problems: [] });
  return page;
}

/**
 * Runs `action` (a click or submit) and waits for the main frame to load the
 * next document. Returns the final (non-redirect) navigation response.
 */
async function navigate(page, action) {
  let last = null;
  const onResponse = (res) => {
    if (res.frame() === page.mainFrame() && res.request().isNavigationRequest()) last = res;
  };
  page.on('response', onResponse);
  try {
    await Promise.all([
      page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() }),
      action(),
    ]);
    await page.waitForLoadState('load');
  } finally {
    page.off('response', onResponse);
  }
  return last;
}

/** Clicks the submit button of the form in <main> and waits for the next page. */
const submit = (page, selector = 'main form button[type=submit]') =>
  navigate(page, () => page.click(selector));

async function goto(page, p, expectedStatus = 200) {
  const res = await page.goto(url(p), { waitUntil: 'load' });
  assert.ok(res, `no response for ${p}`);
  assert.equal(
    res.status(),
    expectedStatus,
    `GET ${p} → ${page.url()} answered ${res.status()}, expected ${expectedStatus}. ` +
      `Page text: ${await mainText(page)}`,
  );
  return res;
}

async function mainText(page) {
  try {
    return clean(await page.locator('main').first().innerText({ timeout: 2000 })).slice(0, 400);
  } catch {
    return '(no <main>)';
  }
}

async function expectPath(page, expected) {
  const actual = new URL(page.url()).pathname;
  assert.equal(actual, expected, `expected to be on ${expected} but on ${page.url()}. Page text: ${await mainText(page)}`);
}

let axeSource = null;

/**
 * The check run after every navigation or submit: records the URL, runs
 * axe-core (WCAG 2.0/2.1 A and AA) and, for pages opened with
 * checkOverflow, asserts that nothing scrolls horizontally. Problems are
 * collected and reported together at the end of the test.
 */
async function checkPage(page) {
  const opts = pageOptions.get(page);
  const pageUrl = page.url();
  const size = page.viewportSize();
  checkedPages.push(`${opts.label}\t${size.width}x${size.height}\t${pageUrl}`);

  // The app's CSP (script-src 'self') forbids inline <script> elements, so
  // addScriptTag with the file's content would be blocked. Evaluating the
  // source through the DevTools protocol is not subject to the page's CSP,
  // so the page is checked as served, CSP and all.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    axeSource ??= fs.readFileSync(AXE_PATH, 'utf8');
    await page.evaluate(axeSource);
  }
  const violations = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.length,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  }, AXE_TAGS);
  for (const v of violations) {
    opts.problems.push({ kind: 'axe', url: pageUrl, ...v });
    allViolations.push({ test: opts.label, url: pageUrl, ...v });
  }

  if (opts.checkOverflow) {
    const o = await page.evaluate(() => {
      const iw = window.innerWidth;
      const sw = document.documentElement.scrollWidth;
      const wide = [];
      if (sw > iw) {
        for (const el of document.querySelectorAll('body *')) {
          const r = el.getBoundingClientRect();
          // The box itself, or content spilling out of it, reaches past the viewport.
          const spill = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible'
            ? r.left + el.scrollWidth
            : r.right;
          if (Math.max(r.right, spill) > iw + 0.5 && r.width > 0) {
            const id = el.id ? '#' + el.id : '';
            const cls = typeof el.className === 'string' && el.className.trim()
              ? '.' + el.className.trim().split(/\s+/).join('.')
              : '';
            wide.push(`${el.tagName.toLowerCase()}${id}${cls} (right edge ${Math.round(Math.max(r.right, spill))}px)`);
            if (wide.length >= 5) break;
          }
        }
      }
      return { iw, sw, wide };
    });
    if (o.sw > o.iw) {
      opts.problems.push({ kind: 'overflow', url: pageUrl, ...o });
    }
  }
}

function formatProblems(problems) {
  // The same finding on the same URL (e.g. a page visited twice) is listed once.
  const byUrl = new Map();
  for (const p of problems) {
    if (!byUrl.has(p.url)) byUrl.set(p.url, new Map());
    const key = p.kind === 'axe' ? `${p.id} ${p.targets.join('|')}` : `overflow ${p.sw}`;
    const seen = byUrl.get(p.url);
    if (seen.has(key)) seen.get(key).times += 1;
    else seen.set(key, { ...p, times: 1 });
  }
  const axeCount = problems.filter((p) => p.kind === 'axe').length;
  const overflowCount = problems.length - axeCount;
  const lines = [
    `${axeCount} axe violation(s), ${overflowCount} horizontal overflow(s) on ${byUrl.size} page(s):`,
  ];
  for (const [u, found] of byUrl) {
    lines.push(`  ${u}`);
    for (const p of found.values()) {
      const times = p.times > 1 ? ` (on ${p.times} checks of this URL)` : '';
      if (p.kind === 'axe') {
        lines.push(
          `    - ${p.id} [${p.impact}] ${p.help} (${p.nodes} element(s))${times}: ${p.targets.join(' | ')}`,
          `      ${p.helpUrl}`,
        );
      } else {
        lines.push(
          `    - horizontal overflow: scrollWidth ${p.sw}px > innerWidth ${p.iw}px${times}` +
            (p.wide.length ? `; too wide: ${p.wide.join(', ')}` : ''),
        );
      }
    }
  }
  return lines.join('\n');
}

/**
 * Wraps a journey: opens its page, runs it, closes the context, and fails on
 * any collected axe or overflow problem. The journey keeps going after an
 * accessibility finding so that every page gets checked in one run.
 */
function journey(label, viewport, checkOverflow, fn) {
  return async () => {
    if (startupError) throw new Error(`setup failed: ${startupError.message}`, { cause: startupError });
    const page = await newPage(viewport, { label, checkOverflow });
    const { problems } = pageOptions.get(page);
    try {
      await fn(page);
    } catch (err) {
      anyFailure = true;
      if (problems.length) process.stderr.write(`\n[${label}] also found:\n${formatProblems(problems)}\n`);
      reportServerLog(`${label} failed`);
      try {
        fs.mkdirSync(RESULTS_DIR, { recursive: true });
        await page.screenshot({ path: path.join(RESULTS_DIR, `${label}-failure.png`), fullPage: true });
      } catch {
        /* best effort */
      }
      throw err;
    } finally {
      await page.context().close();
    }
    if (problems.length) {
      anyFailure = true;
      assert.fail(`[${label}] ${formatProblems(problems)}`);
    }
  };
}

/**
 * Polls <data-dir>/mail/ until a mail to `address` holds a link matching
 * `linkPattern`; returns the link.
 */
async function waitForMailLink(address, linkPattern) {
  const dir = path.join(server.dataDir, 'mail');
  const deadline = Date.now() + MAIL_TIMEOUT_MS;
  const seen = [];
  while (Date.now() < deadline) {
    let files = [];
    try {
      files = fs.readdirSync(dir).filter((f) => f.endsWith('.eml'));
    } catch {
      /* directory not created yet */
    }
    for (const f of files) {
      let raw;
      try {
        raw = fs.readFileSync(path.join(dir, f), 'utf8');
      } catch {
        continue;
      }
      const { headers } = splitEntity(raw);
      if (!(headers.to || '').toLowerCase().includes(address.toLowerCase())) continue;
      if (!seen.includes(f)) seen.push(f);
      for (const text of [...mailTexts(raw), decodeQuotedPrintable(raw, 'utf-8')]) {
        const m = linkPattern.exec(text.replace(/&amp;/g, '&'));
        if (m) return m[0];
      }
    }
    await delay(POLL_INTERVAL_MS);
  }
  throw new Error(
    `no mail to ${address} with a link matching ${linkPattern} in ${dir} within ${MAIL_TIMEOUT_MS / 1000} s` +
      (seen.length ? ` (mails to that address without such a link: ${seen.join(', ')})` : ''),
  );
}

// -------------------------------------------------------------------- suite

describe('rathaus end to end', () => {
  // A failed start is kept and reported by every test (so the summary counts
  // them as failed rather than cancelled).
  before(
    async () => {
      fs.rmSync(RESULTS_DIR, { recursive: true, force: true });
      fs.mkdirSync(RESULTS_DIR, { recursive: true });
      try {
        await startServer();
        browser = await chromium.launch({
          executablePath: CHROMIUM,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        });
      } catch (err) {
        anyFailure = true;
        startupError = err;
        reportServerLog('start failed');
      }
    },
    { timeout: READY_TIMEOUT_MS + 60_000 },
  );

  after(
    async () => {
      try {
        fs.mkdirSync(RESULTS_DIR, { recursive: true });
        fs.writeFileSync(
          path.join(RESULTS_DIR, 'pages.txt'),
          `# test\tviewport\tURL (${checkedPages.length} page checks)\n${checkedPages.join('\n')}\n`,
        );
        fs.writeFileSync(path.join(RESULTS_DIR, 'axe-violations.json'), JSON.stringify(allViolations, null, 2) + '\n');
      } finally {
        if (browser) await browser.close();
        await stopServer();
      }
    },
    { timeout: 60_000 },
  );

  test(
    'staff: password, TOTP enrolment, recovery codes, every admin page, logout, login with TOTP',
    { timeout: TEST_TIMEOUT_MS },
    journey('staff', DESKTOP, false, async (page) => {
      // Not logged in: the workplace sends to its login page.
      await goto(page, '/arbeit');
      await expectPath(page, '/arbeit/anmelden');
      assert.equal(new URL(page.url()).searchParams.get('next'), '/arbeit', 'login page keeps next=/arbeit');
      await checkPage(page);

      // Password, then first-time TOTP enrolment.
      await page.fill('#email', ADMIN_EMAIL);
      await page.fill('#password', DEMO_PASSWORD);
      await submit(page);
      await expectPath(page, '/arbeit/anmelden/einrichten');
      await checkPage(page);
      const secret = clean(await page.textContent('#totp-secret'));
      assert.match(secret.replace(/\s/g, ''), /^[A-Z2-7]{16,}=*$/i, `#totp-secret looks like base32: ${secret}`);
      const enrolStep = currentStep();
      await page.fill('#code', totp(secret, enrolStep));
      await submit(page);

      // Recovery codes, then on to the workplace.
      const codes = (await page.locator('ul#recovery-codes li').allTextContents()).map(clean);
      assert.ok(codes.length >= 1, `recovery codes shown (page: ${page.url()}: ${await mainText(page)})`);
      assert.ok(codes.every((c) => c.length >= 6), `recovery codes look like codes: ${codes.join(', ')}`);
      await checkPage(page);
      await navigate(page, () => page.click('main a.kern-btn'));
      await expectPath(page, '/arbeit');
      await checkPage(page);

      // Every staff page.
      for (const p of [
        '/arbeit/konto',
        '/arbeit/admin',
        '/arbeit/admin/konten',
      ]) {
        await goto(page, p);
        await expectPath(page, p);
        await checkPage(page);
      }
      const accountHref = await page.getAttribute('main table a', 'href');
      assert.ok(accountHref, 'the accounts table links to an account');
      await goto(page, new URL(accountHref, page.url()).pathname);
      assert.match(new URL(page.url()).pathname, /^\/arbeit\/admin\/konten\/[^/]+$/);
      await checkPage(page);
      for (const p of [
        '/arbeit/admin/organisation',
        '/arbeit/admin/vertretungen',
        '/arbeit/admin/api-tokens',
        '/arbeit/admin/jobs',
        '/arbeit/protokoll',
        '/arbeit/vorgaenge',
        '/arbeit/admin/leistungen',
        '/arbeit/admin/leistungen/neu',
        '/arbeit/admin/leistungen/import',
        '/arbeit/aktenplan',
        '/arbeit/suche',
        '/arbeit/admin/vorgangsarten',
      ]) {
        await goto(page, p);
        await expectPath(page, p);
        await checkPage(page);
      }

      // A case type's statuses and transitions, reached from the list.
      await goto(page, '/arbeit/admin/vorgangsarten');
      const typeHref = await page.locator('main table a').first().getAttribute('href');
      assert.ok(typeHref, 'the case types list links to a case type');
      await goto(page, typeHref);
      assert.equal(await page.locator('input[name="t"]').count() > 0, true, 'the transition matrix is there');
      await checkPage(page);

      // The editor form of a catalogue service, reached from the list.
      await goto(page, '/arbeit/admin/leistungen');
      const serviceHref = await page.locator('main table a').first().getAttribute('href');
      assert.ok(serviceHref, 'the catalogue list links to a service');
      await goto(page, serviceHref);
      assert.match(new URL(page.url()).pathname, /^\/arbeit\/admin\/leistungen\/[^/]+$/);
      await checkPage(page);

      // The form editor of that service: save the example as a draft,
      // then look at its preview.
      await navigate(page, () => page.click('#form-editor'));
      assert.match(new URL(page.url()).pathname, /\/formular$/);
      await checkPage(page);
      await submit(page, 'main form:not(.rh-inline) button[type=submit]');
      assert.match(page.url(), /ok=form_saved/);
      await checkPage(page);
      const previewHref = await page.locator('main a[href$="/vorschau"]').first().getAttribute('href');
      assert.ok(previewHref, 'the draft has a preview link');
      await goto(page, previewHref);
      await checkPage(page);

      // Log out: the workplace asks for a login again.
      await navigate(page, () => page.click('header form[action="/abmelden"] button'));
      await checkPage(page);
      await goto(page, '/arbeit');
      await expectPath(page, '/arbeit/anmelden');
      await checkPage(page);

      // Log in again: password, then the TOTP code. A time step is accepted
      // only once per account, so use a later step than the enrolment's
      // (the next one is accepted thanks to the ±1 step skew).
      await page.fill('#email', ADMIN_EMAIL);
      await page.fill('#password', DEMO_PASSWORD);
      await submit(page);
      await expectPath(page, '/arbeit/anmelden/code');
      await checkPage(page);
      await page.fill('#code', totp(secret, Math.max(enrolStep + 1, currentStep())));
      await submit(page);
      await expectPath(page, '/arbeit');
      assert.equal(await page.locator('header form[action="/abmelden"] button').count(), 1, 'logged in: logout button in the header');
      await checkPage(page);
    }),
  );

  test(
    'citizen (360x740): registration with error summary, mail confirmation, login',
    { timeout: TEST_TIMEOUT_MS },
    journey('citizen', MOBILE, true, async (page) => {
      const stamp = `${Date.now()}-${crypto.randomBytes(3).toString('hex')}`;
      const email = `e2e-${stamp}@example.org`;
      const name = 'Erika Prüfmann';
      const password = 'E2E-Passwort-2026-lang';

      await goto(page, '/');
      await checkPage(page);
      await goto(page, '/registrieren');
      await checkPage(page);

      // Empty submit: 422 with an error summary linking to the fields.
      const empty = await submit(page);
      assert.ok(empty, 'the empty registration got a response');
      assert.equal(empty.status(), 422, 'empty registration answers 422');
      await expectPath(page, '/registrieren');
      const summary = page.locator('.rh-error-summary');
      assert.equal(await summary.count(), 1, 'error summary shown');
      const targets = await summary.locator('a[href^="#"]').evaluateAll((as) =>
        as.map((a) => ({ href: a.getAttribute('href'), exists: !!document.getElementById(a.getAttribute('href').slice(1)) })),
      );
      assert.ok(targets.length >= 1, 'error summary links to fields');
      for (const t of targets) assert.ok(t.exists, `error summary link ${t.href} points to a field on the page`);
      await checkPage(page);

      // Real registration.
      await page.fill('#display_name', name);
      await page.fill('#email', email);
      await page.fill('#password', password);
      await submit(page);
      await expectPath(page, '/registrieren/gesendet');
      await checkPage(page);

      // Confirmation link from the mail.
      const escaped = server.baseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const link = await waitForMailLink(email, new RegExp(`${escaped}/konto/bestaetigen\\?token=[0-9a-f]{64}`));
      await goto(page, new URL(link).pathname + new URL(link).search);
      await expectPath(page, '/konto/bestaetigen');
      await checkPage(page);

      // Login.
      await goto(page, '/anmelden');
      await checkPage(page);
      await page.fill('#email', email);
      await page.fill('#password', password);
      await submit(page);
      await expectPath(page, '/konto');
      const heading = clean(await page.textContent('main h1'));
      assert.equal(heading, `Willkommen, ${name}`);
      await checkPage(page);
    }),
  );

  test(
    'catalogue on a phone (390x844): search "Parkausweis", open the service, browse a life situation',
    { timeout: TEST_TIMEOUT_MS },
    journey('catalogue', PHONE, true, async (page) => {
      await goto(page, '/');
      await checkPage(page);
      await page.fill('#q', 'Parkausweis');
      await submit(page, 'main form[role=search] button[type=submit]');
      await expectPath(page, '/leistungen');
      await checkPage(page);
      const link = page.locator('#results a', { hasText: 'Bewohnerparkausweis' }).first();
      assert.equal(await link.count(), 1, 'the results list the Bewohnerparkausweis');
      await navigate(page, () => link.click());
      await expectPath(page, '/leistungen/bewohnerparkausweis');
      assert.equal(await page.locator('#maturity').count(), 1, 'the service shows its maturity level');
      assert.equal(await page.locator('#zustaendig').count(), 1, 'the service names the office responsible');
      await checkPage(page);
      await goto(page, '/leistungen?lage=umzug');
      assert.match(await mainText(page), /Umzug/);
      await checkPage(page);
      await goto(page, '/leistungen?q=Raumschiff');
      assert.match(await mainText(page), /Nichts gefunden/);
      await checkPage(page);
    }),
  );

  /**
   * The application journey of issue 3: search, service page, login,
   * prefill consent, steps with a deliberate error, a PDF upload, check
   * answers, submit, receipt and the receipt mail (reference only).
   */
  /** Reference numbers of the applications made so far, by e-mail. */
  const references = {};

  async function applyForParkingPermit(page, { email, fillProfile }) {
    await goto(page, '/');
    await page.fill('#q', 'Parkausweis');
    await submit(page, 'main form[role=search] button[type=submit]');
    await expectPath(page, '/leistungen');
    const link = page.locator('#results a', { hasText: 'Bewohnerparkausweis' }).first();
    await navigate(page, () => link.click());
    await expectPath(page, '/leistungen/bewohnerparkausweis');
    assert.equal(await page.locator('#apply').count(), 1, 'the service offers "Online beantragen"');
    await checkPage(page);
    await navigate(page, () => page.click('#apply'));
    await expectPath(page, '/leistungen/bewohnerparkausweis/antrag');
    await checkPage(page);
    await navigate(page, () => page.click('#login'));
    await expectPath(page, '/anmelden');
    await page.fill('#email', email);
    await page.fill('#password', DEMO_PASSWORD);
    await submit(page);
    await expectPath(page, '/leistungen/bewohnerparkausweis/antrag');
    if (fillProfile) {
      // Max tells the city about himself first (once only).
      await goto(page, '/konto/profil');
      await checkPage(page);
      await page.fill('#given_name', 'Max');
      await page.fill('#family_name', 'Mustermann');
      await page.fill('#birth_date', '01.04.1980');
      await page.fill('#street', 'Kirchweg');
      await page.fill('#house_number', '3');
      await page.fill('#postcode', '51147');
      await page.fill('#city', 'Musterstadt');
      await submit(page);
      await expectPath(page, '/konto/profil');
      await checkPage(page);
      await goto(page, '/leistungen/bewohnerparkausweis/antrag');
    }
    await submit(page, '#start');
    // Consent to prefill (asked once per form; recorded).
    assert.match(new URL(page.url()).pathname, /^\/antrag\/[0-9a-f-]+\/einwilligung$/);
    const draft = new URL(page.url()).pathname.split('/')[2];
    await checkPage(page);
    await page.check('#prefill-yes');
    await submit(page, '#weiter');
    await expectPath(page, `/antrag/${draft}/schritt/1`);
    assert.match(await mainText(page), /Schritt 1 von 4/);
    assert.ok((await page.inputValue('#nachname')).length > 0, 'the name is prefilled');
    assert.ok((await page.locator('.rh-prefilled').count()) >= 3, 'prefilled answers are marked');
    await checkPage(page);
    await submit(page, '#weiter');
    await expectPath(page, `/antrag/${draft}/schritt/2`);
    await checkPage(page);

    // Step 2 with a deliberate error: an impossible number plate.
    await page.fill('#kennzeichen', 'falsch');
    await page.check('#fahrzeugart-1');
    await page.check('#halter-1');
    await page.setInputFiles('#fahrzeugschein', {
      name: 'fahrzeugschein.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n'),
    });
    const wrong = await submit(page, '#weiter');
    assert.equal(wrong.status(), 422, 'the wrong plate is refused');
    const summary = page.locator('.rh-error-summary a[href="#kennzeichen"]');
    assert.equal(await summary.count(), 1, 'the error summary links to the field');
    assert.equal(await page.locator('#kennzeichen-error').count(), 1, 'the message stands beside the field');
    assert.match(clean(await page.textContent('#fahrzeugschein-current')), /fahrzeugschein\.pdf/, 'the upload is kept');
    await checkPage(page);
    await page.fill('#kennzeichen', 'MU-EM 64');
    await submit(page, '#weiter');
    await expectPath(page, `/antrag/${draft}/schritt/3`);
    await checkPage(page);
    await page.fill('#zeitraum_von', '2027-01-01');
    await page.fill('#zeitraum_bis', '2027-12-31');
    await page.fill('#anzahl_jahre', '1');
    await submit(page, '#weiter');
    await expectPath(page, `/antrag/${draft}/schritt/4`);
    await checkPage(page);
    await page.check('#zustellung-1');
    await submit(page, '#weiter');
    await expectPath(page, `/antrag/${draft}/pruefen`);
    assert.match(clean(await page.textContent('main')), /MU-EM 64/);
    assert.match(clean(await page.textContent('main')), /fahrzeugschein\.pdf/);
    assert.match(clean(await page.textContent('#fee')), /30,60 €/);
    await checkPage(page);
    await page.check('#declaration');
    await submit(page, '#absenden');
    await expectPath(page, `/antrag/${draft}/eingang`);
    const reference = clean(await page.textContent('#reference'));
    assert.match(reference, /^\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    references[email] = reference;
    await checkPage(page);

    // The receipt mail carries the reference and a link, nothing else.
    const escaped = server.baseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const mailLink = await waitForMailLink(email, new RegExp(`${escaped}/konto/antraege/[0-9a-f-]{36}`));
    await goto(page, new URL(mailLink).pathname);
    assert.equal(clean(await page.textContent('#reference')), reference);
    await checkPage(page);
    await goto(page, '/konto/antraege');
    assert.match(clean(await page.textContent('main')), new RegExp(reference));
    await checkPage(page);
    await goto(page, '/konto/einwilligungen');
    assert.match(clean(await page.textContent('main')), /Bewohnerparkausweis/);
    await checkPage(page);
    // The status of the case the submission became (plain language).
    await goto(page, '/konto/vorgaenge');
    assert.match(clean(await page.textContent('main')), new RegExp(reference));
    await checkPage(page);
  }

  test(
    'application on a phone (390x844): search, login, consent, steps with an error, PDF upload, check, submit, receipt and mail',
    { timeout: TEST_TIMEOUT_MS },
    journey('apply-phone', PHONE, true, (page) =>
      applyForParkingPermit(page, { email: 'erika.mustermann@example.org', fillProfile: false }),
    ),
  );

  test(
    'application on a desktop: profile first, then the same journey',
    { timeout: TEST_TIMEOUT_MS },
    journey('apply-desktop', DESKTOP, false, (page) =>
      applyForParkingPermit(page, { email: 'max.mustermann@example.org', fillProfile: true }),
    ),
  );

  test(
    'anonymous applicant (390x844): autosave, save for later, resume from the e-mailed link on another device',
    { timeout: TEST_TIMEOUT_MS },
    journey('apply-anonymous', PHONE, true, async (page) => {
      await goto(page, '/leistungen/bewohnerparkausweis/antrag');
      await submit(page, '#start-anonymous');
      assert.match(new URL(page.url()).pathname, /^\/antrag\/[0-9a-f-]+\/schritt\/1$/);
      const draft = new URL(page.url()).pathname.split('/')[2];
      await checkPage(page);
      const empty = await submit(page, '#weiter');
      assert.equal(empty.status(), 422, 'required answers are missing');
      await checkPage(page);
      await page.fill('#vorname', 'Anna');
      await page.fill('#nachname', 'Anonym');
      await page.fill('#geburtsdatum', '1990-05-05');
      await page.fill('#email', 'anna.anonym@example.org');
      await page.fill('#adresse\\.street', 'Am Ring');
      await page.fill('#adresse\\.house_number', '5');
      await page.fill('#adresse\\.postcode', '51147');
      await page.fill('#adresse\\.city', 'Musterstadt');
      await submit(page, '#weiter');
      await expectPath(page, `/antrag/${draft}/schritt/2`);
      // With JavaScript, answers are saved while typing.
      await page.fill('#kennzeichen', 'MU-AN 7');
      await page.waitForFunction(() => /gespeichert/.test(document.getElementById('autosave-status').textContent), null, { timeout: 15_000 });
      await page.reload({ waitUntil: 'load' });
      assert.equal(await page.inputValue('#kennzeichen'), 'MU-AN 7', 'autosave kept the answer');
      await checkPage(page);
      await submit(page, '#speichern');
      await expectPath(page, `/antrag/${draft}/speichern`);
      await checkPage(page);
      await page.fill('#email', 'anna.anonym@example.org');
      await submit(page);
      await expectPath(page, `/antrag/${draft}/speichern`);
      assert.match(await mainText(page), /anna\.anonym@example\.org/);
      await checkPage(page);
      const escaped = server.baseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const link = await waitForMailLink('anna.anonym@example.org', new RegExp(`${escaped}/antrag/${draft}/fortsetzen\\?schluessel=[0-9a-f]{64}`));

      // Another device: nothing without the link, everything with it.
      const other = await newPage(PHONE, { label: 'apply-anonymous-resume', checkOverflow: true });
      try {
        await goto(other, `/antrag/${draft}/schritt/2`, 404);
        await navigate(other, () => other.goto(link));
        await expectPath(other, `/antrag/${draft}/schritt/2`);
        assert.equal(await other.inputValue('#kennzeichen'), 'MU-AN 7', 'the draft is back');
        await checkPage(other);
        const { problems } = pageOptions.get(other);
        assert.deepEqual(problems, [], formatProblems(problems));
      } finally {
        await other.context().close();
      }
    }),
  );

  /** A demo staff member logs in for the first time: password, TOTP enrolment, recovery codes. */
  // TOTP secrets of the staff enrolled in this server run, with the last
  // time step used (a step is accepted once per account).
  const staffSecrets = new Map();

  async function staffFirstLogin(page, email) {
    await goto(page, '/arbeit/anmelden');
    await page.fill('#email', email);
    await page.fill('#password', DEMO_PASSWORD);
    await submit(page);
    await expectPath(page, '/arbeit/anmelden/einrichten');
    const secret = clean(await page.textContent('#totp-secret'));
    const step = currentStep();
    await page.fill('#code', totp(secret, step));
    await submit(page);
    staffSecrets.set(email, { secret, step });
    await navigate(page, () => page.click('main a.kern-btn'));
    await expectPath(page, '/arbeit');
  }

  /** Logs in staff enrolled earlier in this run (else enrols them). */
  async function staffLogin(page, email) {
    const known = staffSecrets.get(email);
    if (!known) return staffFirstLogin(page, email);
    await goto(page, '/arbeit/anmelden');
    await page.fill('#email', email);
    await page.fill('#password', DEMO_PASSWORD);
    await submit(page);
    await expectPath(page, '/arbeit/anmelden/code');
    const step = Math.max(known.step + 1, currentStep());
    // One step ahead is accepted (clock skew); wait for anything later.
    while (step > currentStep() + 1) await delay(1000);
    await page.fill('#code', totp(known.secret, step));
    await submit(page);
    staffSecrets.set(email, { secret: known.secret, step });
    await expectPath(page, '/arbeit');
  }

  test(
    'case work (desktop clerk, phone citizen): claim, request a document, the citizen uploads it, the clerk moves on',
    { timeout: TEST_TIMEOUT_MS },
    journey('case-work', DESKTOP, false, async (page) => {
      const reference = references['erika.mustermann@example.org'];
      assert.ok(reference, 'the phone application journey ran before and left its reference');
      await staffFirstLogin(page, 'sachbearbeitung@musterstadt.example');

      // The new case waits, unassigned, in the team queue.
      await goto(page, '/arbeit/vorgaenge?bearbeitung=niemand');
      await checkPage(page);
      const row = page.locator('#queue tr', { hasText: reference });
      for (let i = 0; i < 20 && (await row.count()) === 0; i++) {
        await delay(500); // the case is made by a background job
        await goto(page, '/arbeit/vorgaenge?bearbeitung=niemand');
      }
      assert.equal(await row.count(), 1, `the case of ${reference} is in the queue`);
      await navigate(page, () => row.locator('a').first().click());
      const casePath = new URL(page.url()).pathname;
      assert.match(casePath, /^\/arbeit\/vorgaenge\/[0-9a-f-]{36}$/);
      await checkPage(page);

      // Claim, start work, ask for the back of the vehicle registration.
      await submit(page, '#claim');
      assert.match(clean(await page.textContent('#assignee')), /Sie bearbeiten/);
      await page.check('#status-in_bearbeitung');
      await submit(page, '#change-status');
      await checkPage(page);
      const emptyRequest = await submit(page, '#send-request');
      assert.equal(emptyRequest.status(), 422, 'a request needs a message and a date');
      assert.ok((await page.locator('.rh-error-summary a[href="#message"]').count()) === 1, 'the summary links to the message');
      await checkPage(page);
      const due = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
      await page.fill('#message', 'Bitte laden Sie auch die Rückseite des Fahrzeugscheins hoch.');
      await page.fill('#request_due_on', due);
      await submit(page, '#send-request');
      await expectPath(page, casePath);
      assert.match(clean(await page.textContent('#current-status')), /Wir brauchen noch etwas von Ihnen/);
      assert.match(clean(await page.textContent('#deadline')), /ruht/);
      await checkPage(page);

      // The citizen, on her phone, answers in the portal.
      const phone = await newPage(PHONE, { label: 'case-work-citizen', checkOverflow: true });
      try {
        await goto(phone, '/anmelden');
        await phone.fill('#email', 'erika.mustermann@example.org');
        await phone.fill('#password', DEMO_PASSWORD);
        await submit(phone);
        await goto(phone, '/konto/vorgaenge');
        assert.match(await mainText(phone), /Rückseite des Fahrzeugscheins/);
        await checkPage(phone);
        await navigate(phone, () => phone.locator('.rh-request a').first().click());
        assert.match(new URL(phone.url()).pathname, /^\/konto\/vorgaenge\/nachforderung\/[0-9a-f-]{36}$/);
        await checkPage(phone);
        const none = await submit(phone, '#send-answer');
        assert.equal(none.status(), 422, 'an empty answer is refused');
        await checkPage(phone);
        await phone.fill('#answer', 'Hier ist die Rückseite.');
        await phone.setInputFiles('#files', {
          name: 'rueckseite.pdf',
          mimeType: 'application/pdf',
          buffer: Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n'),
        });
        await submit(phone, '#send-answer');
        await expectPath(phone, '/konto/vorgaenge');
        assert.equal(await phone.locator('#answer-sent').count(), 1, 'the portal confirms the answer');
        await checkPage(phone);
        const { problems } = pageOptions.get(phone);
        assert.deepEqual(problems, [], formatProblems(problems));
      } finally {
        await phone.context().close();
      }

      // Back on the desk: the document is in the file; the case moves on.
      await goto(page, casePath);
      assert.match(clean(await page.textContent('#documents')), /Nachreichung: rueckseite\.pdf/);
      assert.match(clean(await page.textContent('#current-status')), /Wird bearbeitet/);
      await page.check('#status-entschieden');
      await submit(page, '#change-status');
      assert.match(clean(await page.textContent('#current-status')), /Entschieden/);
      await checkPage(page);

      // The answer's text is found by the document search (German forms).
      let hits = 0;
      for (let i = 0; i < 20 && hits === 0; i++) {
        await goto(page, '/arbeit/suche?q=R%C3%BCckseiten');
        hits = await page.locator('#search-results li').count();
        if (hits === 0) await delay(500); // text extraction runs as a job
      }
      assert.ok(hits >= 1, 'the answer is found by its text');
      await checkPage(page);
    }),
  );

  /** Reloads `p` until `selector` is on the page (jobs run in the background). */
  async function waitFor(page, p, selector, what) {
    for (let i = 0; i < 60; i++) {
      await goto(page, p);
      if ((await page.locator(selector).count()) > 0) return;
      await delay(500);
    }
    assert.fail(`${what}: ${selector} did not appear on ${p}. Page text: ${await mainText(page)}`);
  }

  test(
    'notice and fee (desktop head of unit, phone citizen, co-signers, deputy, treasury, records office): fee, messages both ways, notice co-signed by two units in parallel (reservation, revision, new round), signed finally by the deputy of the head, sealed, retrieved from the mailbox, GiroCode, camt.053 payment booked, case closed, legal hold',
    { timeout: TEST_TIMEOUT_MS },
    journey('notice-fee', DESKTOP, false, async (page) => {
      const reference = references['erika.mustermann@example.org'];
      assert.ok(reference, 'the phone application journey ran before and left its reference');

      // The citizen consents to receiving notices in her portal mailbox.
      const phone = await newPage(PHONE, { label: 'notice-fee-citizen', checkOverflow: true });
      try {
        await goto(phone, '/anmelden');
        await phone.fill('#email', 'erika.mustermann@example.org');
        await phone.fill('#password', DEMO_PASSWORD);
        await submit(phone);
        await goto(phone, '/konto/postfach');
        await checkPage(phone);
        await submit(phone, '#consent-give');
        await expectPath(phone, '/konto/postfach');
        assert.equal(await phone.locator('#consent-revoke').count(), 1, 'the consent is recorded');
        await checkPage(phone);

        // The head of the Bürgeramt (signing authority "Leitung") sets the fee.
        await staffFirstLogin(page, 'leitung.buergeramt@musterstadt.example');
        await goto(page, '/arbeit/vorgaenge');
        const row = page.locator('#queue tr', { hasText: reference });
        assert.equal(await row.count(), 1, `the case of ${reference} is listed`);
        await navigate(page, () => row.locator('a').first().click());
        const casePath = new URL(page.url()).pathname;
        await checkPage(page);
        const proposed = await page.inputValue('#amount');
        assert.match(proposed, /^\d+,\d\d$/, 'the fee rule proposes the amount');
        await page.fill('#amount', 'dreißig');
        const wrongFee = await submit(page, '#set-fee');
        assert.equal(wrongFee.status(), 422);
        await checkPage(page);
        await page.fill('#amount', proposed);
        await submit(page, '#set-fee');
        const kassenzeichen = clean(await page.textContent('#fee-reference'));
        assert.match(kassenzeichen, /^5100\d{9}$/);
        await checkPage(page);
        const fileReference = clean(await page.textContent('main .kern-preline'));

        // The head writes to her with an attachment; she answers from her phone.
        await page.fill('#body', 'Bitte bringen Sie zur Abholung Ihren Ausweis mit. Anbei das Merkblatt.');
        await page.setInputFiles('#files', { name: 'Merkblatt.txt', mimeType: 'text/plain', buffer: Buffer.from('Merkblatt zum Bewohnerparkausweis\n') });
        await submit(page, '#send-message');
        await expectPath(page, casePath);
        assert.match(clean(await page.textContent('#messages')), /Merkblatt\.txt/);
        await checkPage(page);
        await goto(phone, '/konto/vorgaenge');
        await checkPage(phone);
        await navigate(phone, () => phone.click('.rh-messages-link'));
        assert.match(clean(await phone.textContent('#messages')), /Ausweis mit/);
        await checkPage(phone);
        const emptyMessage = await submit(phone, '#send-message');
        assert.equal(emptyMessage.status(), 422, 'an empty message is refused');
        await checkPage(phone);
        await phone.fill('#body', 'Danke, mache ich.');
        await submit(phone, '#send-message');
        assert.equal(await phone.locator('#gesendet').count(), 1, 'her message arrived');
        await checkPage(phone);
        await goto(page, casePath);
        assert.match(clean(await page.textContent('#messages')), /Danke, mache ich\./);

        // The notice: the head drafts the decision; a job typesets the draft.
        await page.fill('#decision', 'Ihrem Antrag auf einen Bewohnerparkausweis wird entsprochen.\n\nBegründung: Sie wohnen in der Parkzone.');
        await submit(page, '#start-notice');
        await waitFor(page, casePath, '#route-notice', 'the draft');
        await checkPage(page);
        const firstDraft = await page.getAttribute('#notice-draft', 'href');

        // Co-signing: two units co-sign in parallel, then the final signature.
        await navigate(page, () => page.click('#route-notice'));
        await checkPage(page);
        const olafOption = await page.locator('#s1_1_who option', { hasText: 'Olaf Ordnung' }).count();
        const ordnungsamt = await page.locator('#s1_1_who option', { hasText: 'Ordnungsamt' }).first().getAttribute('value');
        const bauamt = await page.locator('#s1_2_who option', { hasText: 'Bauamt' }).first().getAttribute('value');
        assert.ok(olafOption === 0 && ordnungsamt && bauamt, 'other units are offered as units');
        const noFinal = await submit(page, '#start-route');
        assert.equal(noFinal.status(), 422, 'a route without a final signature is refused');
        assert.ok((await page.locator('.rh-error-summary').count()) === 1, 'the error summary says what to fix');
        await checkPage(page);
        await page.fill('#title', 'Bescheid Bewohnerparkausweis');
        await page.selectOption('#s1_1_who', ordnungsamt);
        await page.selectOption('#s1_2_who', bauamt);
        const leaValue = await page.locator('#final_who option', { hasText: 'Lea Leitung' }).getAttribute('value');
        await page.selectOption('#final_who', leaValue);
        await submit(page, '#start-route');
        const routePath = new URL(page.url()).pathname;
        assert.match(routePath, /^\/arbeit\/mitzeichnung\/[0-9a-f-]{36}$/);
        await checkPage(page);
        await goto(page, casePath);
        assert.equal(await page.locator('#sign-notice').count(), 0, 'while the route runs, the notice is signed in the route only');
        assert.equal(await page.getAttribute('#notice-route', 'href'), routePath);

        // The Bauamt co-signs at the desk, the Ordnungsamt on a phone.
        const bettina = await newPage(DESKTOP, { label: 'notice-fee-bauamt', checkOverflow: false });
        const olaf = await newPage(PHONE, { label: 'notice-fee-cosigner', checkOverflow: true });
        try {
          await staffFirstLogin(bettina, 'bauamt@musterstadt.example');
          assert.match(clean(await bettina.textContent('main')), /Bescheid Bewohnerparkausweis/);
          await navigate(bettina, () => bettina.click('.rh-home-items a'));
          await expectPath(bettina, routePath);
          await checkPage(bettina);
          await submit(bettina, '#approve-1');
          await checkPage(bettina);

          await staffFirstLogin(olaf, 'ordnungsamt@musterstadt.example');
          assert.match(clean(await olaf.textContent('main')), /Bescheid Bewohnerparkausweis/);
          await checkPage(olaf);
          await navigate(olaf, () => olaf.click('.rh-home-items a'));
          await expectPath(olaf, routePath);
          await checkPage(olaf);
          await olaf.click('details.rh-details summary');
          const bare = await submit(olaf, '#reserve-1');
          assert.equal(bare.status(), 422, 'a reservation needs its reason');
          await checkPage(olaf);
          await olaf.fill('#comment', 'Bitte die Geltungsdauer des Ausweises nennen.');
          await olaf.fill('#passage', 'Absatz 1');
          await submit(olaf, '#reserve-1');
          assert.match(clean(await olaf.textContent('#route-state')), /zurückgegeben/);
          await checkPage(olaf);

          // The head revises the notice; the job typesets the next version.
          await goto(page, routePath);
          assert.match(clean(await page.textContent('#strip')), /Geltungsdauer/);
          await navigate(page, () => page.click('#file-page'));
          await expectPath(page, casePath);
          await page.click('section[aria-labelledby="bescheid"] details.rh-details summary');
          await page.fill('#decision', 'Ihrem Antrag auf einen Bewohnerparkausweis wird entsprochen. Der Ausweis gilt ein Jahr.\n\nBegründung: Sie wohnen in der Parkzone.');
          await submit(page, '#revise-notice');
          await checkPage(page);
          for (let i = 0; i < 60 && (await page.getAttribute('#notice-draft', 'href')) === firstDraft; i++) {
            await delay(500);
            await goto(page, casePath);
          }
          assert.notEqual(await page.getAttribute('#notice-draft', 'href'), firstDraft, 'the revision is typeset');
          await goto(page, routePath);
          await submit(page, '#new-round');
          assert.match(clean(await page.textContent('#route-state')), /läuft/);
          assert.match(clean(await page.textContent('#strip')), /frühere Fassung/);
          await checkPage(page);

          // The new round: one tap each; the first round's approval no longer counts.
          await goto(bettina, routePath);
          await submit(bettina, '#approve-1');
          await goto(olaf, routePath);
          await submit(olaf, '#approve-1');
          await checkPage(olaf);
          for (const p of [bettina, olaf]) {
            const { problems } = pageOptions.get(p);
            assert.deepEqual(problems, [], formatProblems(problems));
          }
        } finally {
          await bettina.context().close();
          await olaf.context().close();
        }

        // The head is away; her deputy gives the final signature "In Vertretung".
        await goto(page, '/arbeit/konto');
        await checkPage(page);
        const stefan = await page.locator('#deputy option', { hasText: 'Stefan Stellvertreter' }).getAttribute('value');
        await page.selectOption('#deputy', stefan);
        const today = new Date().toISOString().slice(0, 10);
        const inAWeek = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
        await page.fill('#starts_on', today);
        await page.fill('#ends_on', inAWeek);
        await submit(page, '#report-absence');
        assert.equal(await page.locator('#absence-reported').count(), 1, 'the absence is recorded');
        await checkPage(page);
        const deputy = await newPage(PHONE, { label: 'notice-fee-deputy', checkOverflow: true });
        try {
          await staffFirstLogin(deputy, 'stv.leitung.buergeramt@musterstadt.example');
          assert.match(clean(await deputy.textContent('main')), /Bescheid Bewohnerparkausweis/);
          await checkPage(deputy);
          await navigate(deputy, () => deputy.click('.rh-home-items a'));
          await expectPath(deputy, routePath);
          assert.match(clean(await deputy.textContent('.rh-my-step h2')), /Lea Leitung/);
          await checkPage(deputy);
          await submit(deputy, '#approve-1');
          assert.match(clean(await deputy.textContent('#route-state')), /schlussgezeichnet/);
          const strip = clean(await deputy.textContent('#strip'));
          assert.match(strip, /Stefan Stellvertreter/);
          assert.match(strip, /Lea Leitung/);
          await checkPage(deputy);
          const { problems } = pageOptions.get(deputy);
          assert.deepEqual(problems, [], formatProblems(problems));
        } finally {
          await deputy.context().close();
        }

        // The finally signed version is rendered with the deputy's name and sealed.
        await waitFor(page, casePath, '#deliver-notice', 'the final, sealed notice');
        assert.match(clean(await page.textContent('main')), /Test-Siegel, nicht qualifiziert/);
        assert.match(clean(await page.textContent('#timeline')), /Mitzeichnung/);
        await checkPage(page);
        const finalPdf = await page.request.get(url(await page.getAttribute('#notice-final', 'href')));
        assert.equal(finalPdf.status(), 200);
        const finalText = pdfText(await finalPdf.body());
        assert.match(finalText, /In Vertretung/);
        assert.match(finalText, /Stefan Stellvertreter/);
        assert.match(finalText, /gilt ein Jahr/, 'the revised text is the one signed');
        await page.check('#channel-portal');
        await submit(page, '#deliver-notice');
        await waitFor(page, casePath, '.rh-deliveries', 'the delivery');
        await checkPage(page);

        // The e-mail only says that something is waiting; she retrieves it.
        const escaped = server.baseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        await waitForMailLink('erika.mustermann@example.org', new RegExp(`${escaped}/konto/postfach`));
        await goto(phone, '/konto/postfach');
        await checkPage(phone);
        const href = await phone.getAttribute('.rh-download', 'href');
        const pdf = await phone.request.get(url(href));
        assert.equal(pdf.status(), 200);
        assert.equal((await pdf.body()).subarray(0, 5).toString('latin1'), '%PDF-');
        await goto(phone, '/konto/postfach');
        assert.match(clean(await phone.textContent('main')), /Bekannt gegeben am/);
        await checkPage(phone);

        // The fee with IBAN, Kassenzeichen and GiroCode in her account.
        await goto(phone, '/konto/vorgaenge');
        assert.match(clean(await phone.textContent('.rh-fee-reference')), new RegExp(kassenzeichen));
        const qr = await phone.getAttribute('.rh-girocode img', 'src');
        const svg = await phone.request.get(url(qr));
        assert.equal(svg.status(), 200);
        assert.match(svg.headers()['content-type'], /image\/svg\+xml/);
        await checkPage(phone);

        // The treasury imports the bank statement with her payment.
        const treasury = await newPage(DESKTOP, { label: 'notice-fee-treasury', checkOverflow: false });
        try {
          await staffFirstLogin(treasury, 'kasse@musterstadt.example');
          await goto(treasury, '/arbeit/kasse');
          await checkPage(treasury);
          const amount = proposed.replace(',', '.');
          const camt = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>E2E-1</MsgId><CreDtTm>2026-12-01T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>E2E-1-1</Id><CreDtTm>2026-12-01T06:00:00</CreDtTm><Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">${amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-12-01</Dt></BookgDt><AcctSvcrRef>E2E-REF-1</AcctSvcrRef>
<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Erika Mustermann</Nm></Dbtr></RltdPties><RmtInf><Ustrd>KZ ${kassenzeichen}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>`;
          await treasury.setInputFiles('#file', { name: 'auszug.xml', mimeType: 'application/xml', buffer: Buffer.from(camt) });
          await submit(treasury, '#import');
          assert.equal(clean(await treasury.textContent('#import-booked')), '1', 'the payment is booked');
          await checkPage(treasury);
          const { problems } = pageOptions.get(treasury);
          assert.deepEqual(problems, [], formatProblems(problems));
        } finally {
          await treasury.context().close();
        }
        await goto(phone, '/konto/vorgaenge');
        assert.match(clean(await phone.textContent('main')), /Die Gebühr ist bezahlt/);
        await checkPage(phone);

        // Notified and paid: the case closes; the file's retention runs.
        await goto(page, casePath);
        await submit(page, '#close-case');
        await expectPath(page, casePath);
        assert.match(clean(await page.textContent('#closed')), /Abgeschlossen am .* aufzubewahren bis 31\.12\.\d{4}/);
        await checkPage(page);

        // The records office: disposal, and a legal hold on the closed file.
        const office = await newPage(DESKTOP, { label: 'notice-fee-records', checkOverflow: false });
        try {
          await staffFirstLogin(office, 'registratur@musterstadt.example');
          await goto(office, '/arbeit/registratur/aussonderung');
          await checkPage(office);
          const noReason = await submit(office, '#set-hold');
          assert.equal(noReason.status(), 422, 'a hold needs a file and a reason');
          await checkPage(office);
          await office.fill('#reference', fileReference);
          await office.fill('#reason', 'Widerspruchsverfahren');
          await submit(office, '#set-hold');
          assert.match(clean(await office.textContent('#holds')), /Widerspruchsverfahren/);
          await checkPage(office);
          const { problems } = pageOptions.get(office);
          assert.deepEqual(problems, [], formatProblems(problems));
        } finally {
          await office.context().close();
        }
        const { problems } = pageOptions.get(phone);
        assert.deepEqual(problems, [], formatProblems(problems));
      } finally {
        await phone.context().close();
      }
    }),
  );

  test(
    'mobile work (phone staff member, desktop manager, IT and staff council): apply, approve, equip, train, plan, publish, book a desk, aggregates',
    { timeout: TEST_TIMEOUT_MS },
    journey('mobile-work', PHONE, true, async (mia) => {
      // Mia applies for mobile work on her phone.
      await staffFirstLogin(mia, 'mobil@musterstadt.example');
      await goto(mia, '/arbeit/mobil');
      await checkPage(mia);
      await mia.fill('#weekly_hours', 'viel');
      const refused = await submit(mia, '#apply');
      assert.equal(refused.status(), 422, 'hours that are no number are refused');
      assert.match(clean(await mia.textContent('#fehler')), /Wochenarbeitszeit/);
      await checkPage(mia);
      await mia.fill('#weekly_hours', '39');
      await submit(mia, '#apply');
      assert.match(clean(await mia.textContent('#enrolment-state')), /Beantragt/);
      await checkPage(mia);

      // Her manager approves on the desktop.
      const martin = await newPage(DESKTOP, { label: 'mobile-work-manager', checkOverflow: false });
      try {
        await staffFirstLogin(martin, 'leitung.meldewesen@musterstadt.example');
        await goto(martin, '/arbeit/mobil/team');
        assert.match(clean(await martin.textContent('.rh-application')), /Mia Mobil/);
        await checkPage(martin);
        await submit(martin, '.rh-approve-enrolment');
        assert.match(clean(await martin.textContent('#team-readiness')), /Mia Mobil/);
        await checkPage(martin);

        // IT issues a notebook and VPN access; a bad stock file is refused line by line.
        const it = await newPage(DESKTOP, { label: 'mobile-work-it', checkOverflow: false });
        try {
          await staffFirstLogin(it, 'it@musterstadt.example');
          await goto(it, '/arbeit/mobil/it');
          assert.match(clean(await it.textContent('#counts')), /Notebook/);
          await checkPage(it);
          await it.setInputFiles('#file', {
            name: 'bestand.csv',
            mimeType: 'text/csv',
            buffer: Buffer.from('Art;Modell;Seriennummer;Inventarnummer\nDrucker;X;S-1;D-1\n'),
          });
          const bad = await submit(it, '#import-devices');
          assert.equal(bad.status(), 422);
          assert.match(clean(await it.textContent('#import-errors')), /Notebook, Smartphone oder Tablet/);
          await checkPage(it);
          await it.fill('.rh-equip input[name^="inventory_no"]', 'NB-0001');
          const issued = await submit(it, '.rh-issue');
          assert.equal(issued.status(), 200, `issuing: ${await mainText(it)}`);
          await submit(it, '.rh-grant-vpn');
          assert.match(await mainText(it), /Empfang noch nicht bestätigt/);
          await checkPage(it);
          const { problems } = pageOptions.get(it);
          assert.deepEqual(problems, [], formatProblems(problems));
        } finally {
          await it.context().close();
        }

        // Mia confirms receipt, signs, completes the trainings and the self-check.
        await goto(mia, '/arbeit/mobil');
        await submit(mia, '#acknowledge-NB-0001');
        for (const item of ['agreement_signed', 'privacy_training', 'security_training', 'self_check']) {
          await submit(mia, `#confirm-${item}`);
        }
        assert.match(clean(await mia.textContent('#ready-state')), /Bereit/);
        await checkPage(mia);

        // The manager generates a four-week plan and publishes it.
        await goto(martin, '/arbeit/mobil/planung');
        assert.match(new URL(martin.url()).pathname, /^\/arbeit\/mobil\/planung\/[0-9a-f-]{36}$/);
        await checkPage(martin);
        await submit(martin, '#generate');
        assert.match(new URL(martin.url()).pathname, /^\/arbeit\/mobil\/plaene\//);
        assert.equal(await martin.locator('#plan-grid tbody tr').count(), 5 + 1, 'the manager, four clerks and the on-site row');
        assert.equal(await martin.locator('#failures').count(), 0, 'the plan holds every rule');
        await checkPage(martin);
        await submit(martin, '#publish');
        assert.match(clean(await martin.textContent('#plan-state')), /Veröffentlicht/);
        await checkPage(martin);
        const { problems } = pageOptions.get(martin);
        assert.deepEqual(problems, [], formatProblems(problems));
      } finally {
        await martin.context().close();
      }

      // Mia sees her days and books a desk for an office day.
      await goto(mia, '/arbeit/mobil/tage');
      assert.ok((await mia.locator('#my-days li').count()) >= 15, 'four weeks of days');
      assert.ok((await mia.locator('#my-days li[data-presence="mobile"]').count()) > 0, 'some days mobile');
      await checkPage(mia);
      await submit(mia, '.rh-book');
      assert.match(clean(await mia.textContent('#my-days')), /Schreibtisch gebucht/);
      await checkPage(mia);
      await navigate(mia, () => mia.click('#my-days a.kern-link'));
      assert.equal(await mia.locator('#plan-grid tbody tr').count(), 1, 'she sees her own row');
      await checkPage(mia);

      // The staff council sees aggregates only.
      const council = await newPage(DESKTOP, { label: 'mobile-work-council', checkOverflow: false });
      try {
        await staffFirstLogin(council, 'personalrat@musterstadt.example');
        await goto(council, '/arbeit/mobil/auswertung');
        assert.equal(await council.locator('.rh-chart svg[role="img"]').count(), 2);
        assert.match(clean(await council.textContent('#enrolment-table')), /Meldewesen/);
        assert.match(clean(await council.textContent('#enrolment-table')), /zu wenige Personen/);
        assert.doesNotMatch(clean(await council.textContent('main')), /Mia Mobil/);
        await checkPage(council);
        const { problems } = pageOptions.get(council);
        assert.deepEqual(problems, [], formatProblems(problems));
      } finally {
        await council.context().close();
      }
    }),
  );

  test(
    'staff survey (desktop HR, phone staff, desktop staff council): the demo survey for two units, answered, published, small groups withheld',
    { timeout: TEST_TIMEOUT_MS },
    journey('staff-survey', DESKTOP, false, async (hr) => {
      await staffFirstLogin(hr, 'personal@musterstadt.example');
      await goto(hr, '/arbeit/befragungen');
      await checkPage(hr);
      // Units chosen but none ticked: refused with the error summary.
      await hr.check('#audience-units');
      await submit(hr, 'main form[action="/arbeit/befragungen"] button[type=submit]');
      assert.match(clean(await hr.textContent('#fehler')), /mindestens eine Organisationseinheit/);
      await checkPage(hr);
      await hr.check('#audience-units');
      await hr.getByLabel('33 Bürgeramt', { exact: true }).check();
      await hr.getByLabel('37 Feuerwehr', { exact: true }).check();
      await submit(hr, 'main form[action="/arbeit/befragungen"] button[type=submit]');
      const survey = new URL(hr.url()).pathname;
      assert.match(survey, /^\/arbeit\/befragungen\/[0-9a-f-]{36}$/);
      assert.match(clean(await hr.textContent('#survey-state')), /Entwurf/);
      await checkPage(hr);
      await submit(hr, 'form[action$="/oeffnen"] button[type=submit]');
      assert.match(clean(await hr.textContent('#survey-state')), /läuft/);
      await checkPage(hr);

      // Staff answer on their phones: five of the Bürgeramt (with the
      // Meldewesen below it), one of the Feuerwehr.
      const staff = [
        ['paula.petersen@musterstadt.example', 'Bürgeramt', '1'],
        ['mobil@musterstadt.example', 'Bürgeramt', '2'],
        ['nora.neumann@musterstadt.example', 'Bürgeramt', '1'],
        ['omar.oezdemir@musterstadt.example', 'Bürgeramt', '4'],
        ['leitung.meldewesen@musterstadt.example', 'Bürgeramt', '2'],
        ['feuerwehr@musterstadt.example', 'Feuerwehr', '4'],
      ];
      for (const [i, [email, area, future]] of staff.entries()) {
        const phone = await newPage(PHONE, { label: `staff-survey-${i}`, checkOverflow: true });
        try {
          await staffLogin(phone, email);
          await goto(phone, '/arbeit/befragungen');
          await navigate(phone, () => phone.click('#surveys a:has-text("Erfahrungen mit dem mobilen Arbeiten")'));
          if (i === 0) {
            await checkPage(phone);
            // Sent without the required answers: the summary names them.
            await submit(phone, '.rh-survey-form button[type=submit]');
            assert.match(clean(await phone.textContent('#fehler')), /Bitte beantworten Sie diese Frage/);
            await checkPage(phone);
          }
          await phone.check('#q_mobil_gearbeitet_1');
          await phone.fill('[id="answers.tage_pro_woche"]', String(1 + (i % 3)));
          await phone.check(`#q_zufriedenheit_${1 + (i % 5)}`);
          await phone.check(`#q_zukunft_${future}`);
          if (future === '4') await phone.check('#q_gruende_nein_1');
          await phone.fill('[id="answers.anregungen"]', `Anregung ${i}`);
          await phone.getByLabel(area, { exact: true }).check();
          await submit(phone, '.rh-survey-form button[type=submit]');
          assert.match(clean(await phone.textContent('h1')), /Vielen Dank/);
          assert.match(clean(await phone.textContent('#change-secret')), /^[A-Z2-9]{4}(-[A-Z2-9]{4}){4}$/);
          if (i === 0) await checkPage(phone);
          // A second time: no form, only the note that they took part.
          await goto(phone, survey);
          assert.equal(await phone.locator('.rh-survey-form').count(), 0);
          assert.match(clean(await phone.textContent('#took-part')), /teilgenommen/);
          if (i === 0) await checkPage(phone);
          const { problems } = pageOptions.get(phone);
          assert.deepEqual(problems, [], formatProblems(problems));
        } finally {
          await phone.context().close();
        }
      }

      // HR sees participation per unit (the Feuerwehr's one withheld) and
      // closes the survey.
      await goto(hr, survey);
      const participation = clean(await hr.textContent('#participation'));
      assert.match(participation, /Bürgeramt/);
      assert.match(participation, /Feuerwehr\s*\d+\s*zu wenige Antworten/);
      await checkPage(hr);
      await submit(hr, 'form[action$="/schliessen"] button[type=submit]');
      assert.match(clean(await hr.textContent('#survey-state')), /beendet/);
      await checkPage(hr);

      // The staff council checks what is withheld and publishes.
      const council = await newPage(DESKTOP, { label: 'staff-survey-council', checkOverflow: false });
      try {
        await staffLogin(council, 'personalrat@musterstadt.example');
        await goto(council, survey);
        assert.match(clean(await council.textContent('#withheld')), /Feuerwehr: zu wenige Antworten/);
        await checkPage(council);
        const refused = await submit(council, 'form[action$="/veroeffentlichen"] button[type=submit]');
        assert.equal(refused.status(), 200);
        assert.match(clean(await council.textContent('#fehler')), /Bestätigen Sie/);
        await checkPage(council);
        await council.check('#confirm-box');
        await submit(council, 'form[action$="/veroeffentlichen"] button[type=submit]');
        assert.match(clean(await council.textContent('#survey-state')), /veröffentlicht/);
        await navigate(council, () => council.click('#results-link'));
        assert.match(clean(await council.textContent('#respondents')), /6 Personen/);
        assert.ok((await council.locator('.rh-chart svg[role="img"]').count()) >= 5, 'a chart per question');
        const main = clean(await council.textContent('main'));
        assert.match(main, /zu wenige Antworten/);
        assert.doesNotMatch(main, /Frank Feuerwehr|Paula Petersen/);
        await checkPage(council);
        const { problems } = pageOptions.get(council);
        assert.deepEqual(problems, [], formatProblems(problems));
      } finally {
        await council.context().close();
      }
    }),
  );

  /** The claims of a Jitsi token after checking its HS256 signature. */
  function verifiedJwt(token) {
    const [head, body, sig] = token.split('.');
    const expected = crypto.createHmac('sha256', JITSI_SECRET).update(`${head}.${body}`).digest('base64url');
    assert.equal(sig, expected, 'the token is signed with the configured secret');
    assert.equal(JSON.parse(Buffer.from(head, 'base64url')).alg, 'HS256');
    return JSON.parse(Buffer.from(body, 'base64url'));
  }

  test(
    'team rooms (phone and desktop staff): live chat in the team room, a wiki edit conflict, intranet news, a video meeting',
    { timeout: TEST_TIMEOUT_MS },
    journey('team-rooms', PHONE, true, async (nora) => {
      await staffLogin(nora, 'nora.neumann@musterstadt.example');
      await goto(nora, '/arbeit/raeume');
      await checkPage(nora);
      await navigate(nora, () => nora.click('#my-rooms a:text-is("Meldewesen")'));
      const room = new URL(nora.url()).pathname;
      await checkPage(nora);

      const omar = await newPage(DESKTOP, { label: 'team-rooms-colleague', checkOverflow: false });
      try {
        await staffLogin(omar, 'omar.oezdemir@musterstadt.example');
        await goto(omar, room);
        await checkPage(omar);

        // Nora writes; Omar's open page shows it without a reload.
        await nora.fill('#body', 'Guten Morgen! Ich bin heute mobil, @omar.oezdemir übernimmt die Sprechzeit?');
        await nora.click('#post-form button[type=submit]');
        await omar.locator('#messages li', { hasText: 'Ich bin heute mobil' }).waitFor({ timeout: 15_000 });
        await nora.locator('#messages li', { hasText: 'Ich bin heute mobil' }).waitFor({ timeout: 15_000 });
        assert.equal(await nora.inputValue('#body'), '', 'the field is emptied once sent');
        assert.equal(await omar.locator('#messages li', { hasText: 'Ich bin heute mobil' }).count(), 1, 'shown once');
        await checkPage(omar);
        // An empty message is refused with the error summary.
        const refused = await navigate(nora, () => nora.click('#post-form button[type=submit]'));
        assert.equal(refused.status(), 422);
        assert.match(clean(await nora.textContent('#fehler')), /Schreiben Sie eine Nachricht/);
        await checkPage(nora);
        // Omar answers in the thread.
        await navigate(omar, () => omar.click('#messages li:has-text("Ich bin heute mobil") a:text-is("Antworten")'));
        await checkPage(omar);
        await omar.fill('#body', 'Ja, mache ich.');
        await submit(omar, 'main form:has(#body) button[type=submit]');
        assert.match(clean(await omar.textContent('#thread')), /Ja, mache ich\./);
        await checkPage(omar);

        // Both edit the pinned wiki page; Omar saves first, Nora is shown
        // both texts instead of overwriting his.
        await goto(nora, room);
        await navigate(nora, () => nora.click('#pinned-pages a'));
        await checkPage(nora);
        await navigate(nora, () => nora.click('#edit-page'));
        await checkPage(nora);
        await goto(omar, room);
        await navigate(omar, () => omar.click('#pinned-pages a'));
        await navigate(omar, () => omar.click('#edit-page'));
        await omar.fill('#body', 'Kernzeit 9–14 Uhr, Sprechzeiten montags und donnerstags.');
        await submit(omar, 'main form button[type=submit]');
        assert.match(clean(await omar.textContent('#page-body')), /9–14 Uhr/);
        await nora.fill('#body', 'Kernzeit 8–15 Uhr.');
        const conflict = await submit(nora, 'main form button[type=submit]');
        assert.equal(conflict.status(), 422);
        assert.match(clean(await nora.textContent('#current-version')), /9–14 Uhr/);
        assert.equal(await nora.inputValue('#body'), 'Kernzeit 8–15 Uhr.', 'her text is kept');
        await checkPage(nora);

        // The intranet news: read and comment.
        await goto(nora, '/arbeit/raeume');
        await navigate(nora, () => nora.click('#my-rooms a:text-is("Intranet")'));
        await checkPage(nora);
        await navigate(nora, () => nora.click('#latest-news a:has-text("Informationssicherheit")'));
        assert.match(clean(await nora.textContent('#post-body')), /Windows \+ L/);
        await checkPage(nora);
        await nora.fill('#comment', 'Danke, gut zu wissen!');
        await submit(nora, 'main form button[type=submit]');
        assert.match(clean(await nora.textContent('#comments')), /gut zu wissen/);
        await checkPage(nora);

        // Omar starts a video meeting: Jitsi opens with a token for him.
        await omar.context().route(`${JITSI_URL}/**`, (r) =>
          r.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><html lang="de"><title>Jitsi</title><main><h1>Jitsi</h1></main></html>' }),
        );
        await goto(omar, room);
        await navigate(omar, () => omar.click('#video-now'));
        assert.match(clean(await omar.textContent('#meeting-title')), /Videokonferenz Meldewesen/);
        await checkPage(omar);
        await navigate(omar, () => omar.click('#join'));
        const jitsi = new URL(omar.url());
        assert.equal(jitsi.origin, JITSI_URL);
        assert.match(jitsi.pathname, /^\/rathaus-[0-9a-f]{32}$/, 'an unguessable room name');
        const claims = verifiedJwt(jitsi.searchParams.get('jwt'));
        assert.equal(claims.iss, 'rathaus-e2e');
        assert.equal(claims.aud, 'jitsi');
        assert.equal(claims.sub, 'meet.e2e.example');
        assert.equal(`/${claims.room}`, jitsi.pathname);
        assert.equal(claims.context.user.email, 'omar.oezdemir@musterstadt.example');
        assert.equal(claims.context.user.moderator, true);
        assert.ok(claims.exp > Date.now() / 1000, 'valid now');
        // Nora sees the meeting in the room.
        await goto(nora, room);
        assert.match(clean(await nora.textContent('#meetings')), /Videokonferenz Meldewesen/);
        await checkPage(nora);
      } finally {
        await omar.context().close();
      }
    }),
  );

  test(
    'error page (404) and language switch',
    { timeout: TEST_TIMEOUT_MS },
    journey('error-and-language', DESKTOP, false, async (page) => {
      await goto(page, '/gibt-es-nicht', 404);
      assert.equal(await page.getAttribute('html', 'lang'), 'de');
      assert.equal(await page.locator('header').count(), 1, '404 page has the site header');
      assert.equal(await page.locator('main h1').count(), 1, '404 page has a heading in <main>');
      assert.match(await mainText(page), /404/, '404 page names the status');
      await checkPage(page);

      // German → English on the start page.
      await goto(page, '/');
      assert.equal(await page.getAttribute('html', 'lang'), 'de');
      await checkPage(page);
      await navigate(page, () => page.click('header nav a[hreflang="en"]'));
      await expectPath(page, '/');
      assert.equal(await page.getAttribute('html', 'lang'), 'en', 'page in English after the switch');
      await checkPage(page);

      // The error page in English, then back to German.
      await goto(page, '/gibt-es-nicht', 404);
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      await checkPage(page);
      await navigate(page, () => page.click('header nav a[hreflang="de"]'));
      assert.equal(await page.getAttribute('html', 'lang'), 'de', 'page in German after switching back');
      await checkPage(page);
    }),
  );
});
