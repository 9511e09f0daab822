import { appendFileSync } from 'node:fs';
import { ClusterPage, expect, test } from './fixtures';

// Issue 13: one live-data path, panels that fail alone, and whatever a member writes to its log
// shown as text, never run. Real etcd, real Chromium, the built server.

/** A zap JSON line as etcd 3.4 writes it, with whatever message and fields a test needs. */
function zap(msg: string, fields: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ level: 'warn', ts: new Date().toISOString(), caller: 'etcdserver/corrupt.go:246', msg, ...fields })}\n`;
}

/** Every EventSource the page opens, so a test can drop one or push a message into it. */
const recordSources = () => {
  const w = window as unknown as { __sources: EventSource[] };
  w.__sources = [];
  const Native = window.EventSource;
  window.EventSource = class extends Native {
    constructor(url: string | URL, init?: EventSourceInit) {
      super(url, init);
      w.__sources.push(this);
    }
  } as typeof EventSource;
};

test('log lines with <script>, javascript: links, ANSI escapes, 1 MB of text and invalid UTF-8 stay inert text in the log panel, the timeline and the copied summary', async ({ page, ring, ringside }) => {
  const cp = new ClusterPage(page);
  await page.addInitScript(() => ((window as unknown as { __pwned: number }).__pwned = 0));
  await cp.goto(ringside.url, 'demo');
  const victim = ring.members[1];
  const script = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
  const link = '[click me](javascript:window.__pwned=3) <a href="javascript:window.__pwned=4">here</a>';
  const ansi = '\u001b[31mRED\u001b[0m \u001b]8;;http://evil.example\u0007osc link\u001b]8;;\u0007';
  // Classified as corruption evidence, so it also reaches the timeline, triage and the summary.
  appendFileSync(victim.logFile, zap('same compact revision then hashes must match', { 'follower-peer-id': script, 'remote-peer-id': link, error: ansi }));
  appendFileSync(victim.logFile, zap(`huge line ${'x'.repeat(1 << 20)}`));
  appendFileSync(victim.logFile, Buffer.concat([Buffer.from('{"level":"warn","msg":"bad bytes \xff\xfe here '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(` ${script}"}\n`)]));

  const logs = page.getByRole('list', { name: 'Log lines' });
  await expect(logs).toContainText('same compact revision then hashes must match', { timeout: 20_000 });
  await expect(logs).toContainText('huge line');
  await expect(logs).toContainText('<script>window.__pwned=1</script>');
  await expect(logs).toContainText('javascript:window.__pwned=3');
  await expect(logs).toContainText('bad bytes');
  await page.screenshot({ path: 'test-results/screens/log-panel-hostile.png' });

  await page.goto(`${ringside.url}/timeline?cluster=demo&last=15m`);
  const timeline = page.getByRole('list', { name: /Timeline/ });
  await expect(timeline).toContainText('same compact revision then hashes must match', { timeout: 20_000 });

  // Nothing ran, nothing became a link or an element.
  for (const path of ['/clusters/demo', '/timeline?cluster=demo&last=15m']) {
    await page.goto(`${ringside.url}${path}`);
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => (window as unknown as { __pwned: number }).__pwned), path).toBe(0);
    expect(await page.locator('a[href^="javascript:"]').count(), path).toBe(0);
    expect(await page.locator('img[src="x"]').count(), path).toBe(0);
    expect(await page.evaluate(() => [...document.scripts].some((s) => s.textContent?.includes('__pwned'))), path).toBe(false);
  }

  // The copied summary holds the hostile text inside code, never as Markdown or HTML. (Triage
  // shows during trouble: a member down.)
  await ring.kill(ring.members[2].name);
  await page.goto(`${ringside.url}/clusters/demo`);
  const triage = page.getByRole('region', { name: 'Triage' });
  await expect(triage).toBeVisible({ timeout: 20_000 });
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ringside.url });
  await triage.getByRole('button', { name: 'Copy incident summary' }).click();
  // The copy reads the window afresh before it writes: wait for it, as the other specs do.
  await expect(triage.getByRole('status')).toContainText('Copied');
  const md = await page.evaluate(() => navigator.clipboard.readText());
  expect(md).toContain('same compact revision then hashes must match');
  const evidence = md.split('\n').filter((l) => l.includes('same compact revision'));
  expect(evidence.length).toBeGreaterThan(0);
  for (const l of evidence) expect(l, l).toMatch(/^- .*`+.*same compact revision.*`+/);
  expect(md).not.toMatch(/^\s*<script/m);
  expect(md).not.toContain('\u001b');
});

test.describe('a failing panel', () => {
  // What this test provokes: the bad message and the panel's failure are reported on the console.
  test.use({ expectedConsoleErrors: /could not be used|failed to draw|could not be drawn|is not a function|above error|Cannot read/ });

  test('a panel that cannot draw says so in its own frame while the member table keeps updating', async ({ page, ring, ringside, browserErrors }) => {
    const cp = new ClusterPage(page);
    await page.addInitScript(recordSources);
    await cp.goto(ringside.url, 'demo');
    await expect(cp.live()).toBeVisible();
    // A malformed HashKV message pushed into the real stream: newer than any check, unreadable.
    await page.evaluate(() => {
      const s = (window as unknown as { __sources: EventSource[] }).__sources.find((x) => x.url.includes('/stream') && !x.url.includes('/logs/'))!;
      s.dispatchEvent(new MessageEvent('hashkv', { data: JSON.stringify({ checkedAt: '2099-01-01T00:00:00Z', consistent: true, revision: 7, members: [null], summary: 'x' }) }));
    });
    await expect(page.getByRole('alert', { name: 'HashKV failed' })).toContainText('HashKV could not be drawn');
    await expect(page.getByRole('alert', { name: 'HashKV failed' })).toContainText('The rest of the page keeps updating');
    // ...and it does: a killed member shows down in the member table.
    const victim = ring.members.find((m) => m.name !== (ring.members[0].name))!;
    await ring.kill(victim.name);
    await expect(cp.status(victim.name)).toContainText('Down', { timeout: 10_000 });
    await expect(cp.live()).toBeVisible();
    await page.screenshot({ path: 'test-results/screens/panel-failed.png' });
    browserErrors.settle();
  });
});

test('the log panel loses no line and repeats none across a forced stream reconnect', async ({ page, ring, ringside }) => {
  const cp = new ClusterPage(page);
  await page.addInitScript(recordSources);
  await cp.goto(ringside.url, 'demo');
  const logs = page.getByRole('list', { name: 'Log lines' });
  const file = ring.members[0].logFile;
  appendFileSync(file, zap('marker before the drop'));
  await expect(logs).toContainText('marker before the drop', { timeout: 15_000 });

  // Drop the log stream the way a network does: closed, then an error event.
  await page.evaluate(() => {
    const s = (window as unknown as { __sources: EventSource[] }).__sources.filter((x) => x.url.includes('/logs/stream')).at(-1)!;
    s.close();
    (window as unknown as { __dropped: EventSource }).__dropped = s;
  });
  // Lines logged while the panel is not connected...
  for (let i = 0; i < 20; i++) appendFileSync(file, zap(`while away ${String(i).padStart(2, '0')}`));
  await page.waitForTimeout(1500);
  await page.evaluate(() => (window as unknown as { __dropped: EventSource }).__dropped.onerror?.(new Event('error')));
  // ...and after it is back.
  for (let i = 0; i < 5; i++) appendFileSync(file, zap(`after ${i}`));
  await expect(logs).toContainText('after 4', { timeout: 15_000 });
  const texts = await logs.getByRole('listitem').allTextContents();
  for (let i = 0; i < 20; i++) expect(texts.filter((t) => t.includes(`while away ${String(i).padStart(2, '0')}`)), `while away ${i}`).toHaveLength(1);
  for (let i = 0; i < 5; i++) expect(texts.filter((t) => t.includes(`after ${i}`))).toHaveLength(1);
  expect(texts.filter((t) => t.includes('marker before the drop'))).toHaveLength(1);
});
