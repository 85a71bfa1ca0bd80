/**
 * Disk full while recording becomes a technical alarm on the display, and the live display
 * keeps working. The data dir is a real 4 MiB tmpfs (needs root, as in CI; skipped otherwise).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { run, launchBrowser, until, artefact, type Proc } from './harness';
import type { Browser } from 'playwright';

const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-full-'));
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { stdio: 'ignore' });
  mounted = true;
} catch {
  /* not root: skipped below */
}
let hub: Proc | undefined;
let sim: Proc | undefined;
let browser: Browser | undefined;

after(async () => {
  await browser?.close();
  await sim?.kill();
  await hub?.kill();
  if (mounted) execFileSync('umount', ['-l', mnt]);
});

test(
  'a full disk raises a technical alarm on the display; waveforms keep drawing',
  { skip: mounted ? false : 'needs root to mount a small tmpfs' },
  async () => {
    hub = run(['start', '--headless', '--port', '0', '--bus', 'tcp://127.0.0.1:*', '--data-dir', mnt, '--bus-security', 'plain']);
    const bus = await hub.waitFor(/^bus: (\S+)$/m);
    const url = await hub.waitFor(/^display: (\S+)$/m);
    const u = new URL(url);
    const token = new URLSearchParams(u.hash.slice(1)).get('token')!;
    sim = run(['simulate', '--bus', bus, '--devices', 'monitor,anaesthesia,tracker']);
    const r = await fetch(u.origin + '/api/case', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ procedure: 'Disk full test', team: [{ role: 'surgeon', name: 'S' }] }),
    });
    assert.equal(r.status, 201);
    // Fill what is left of the disk so the recorder's next writes fail.
    try {
      fs.writeFileSync(path.join(mnt, 'ballast'), Buffer.alloc(4 * 1024 * 1024));
    } catch {
      /* ENOSPC: the disk is full, as intended */
    }
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await page.goto(url);
    await until(async () => /disk|space|full/i.test(await page.getByTestId('alarm-bar').innerText()), 'disk-full technical alarm on the display', 20000, 200);
    const alarm = page.locator('[data-testid="alarm-bar"] .alarm-high');
    assert.ok((await alarm.count()) >= 1, 'a high-priority technical alarm');
    // The live display keeps working.
    await until(() => page.locator('[data-testid="tile-ecg"][data-live="true"]').count(), 'HR live', 15000);
    const drawn = () => page.evaluate(() => (window as any).__orhub.waves.framesDrawn as number);
    await until(
      async () => {
        const a = await page.getByTestId('wave-ecg').evaluate((c: HTMLCanvasElement) => c.toDataURL());
        const f0 = await drawn();
        await until(async () => (await drawn()) >= f0 + 18, '18 more animation frames drawn');
        return a !== (await page.getByTestId('wave-ecg').evaluate((c: HTMLCanvasElement) => c.toDataURL()));
      },
      'ECG drawing',
      15000,
    );
    await page.screenshot({ path: artefact('disk-full.png') });
    assert.equal(hub.child.exitCode, null, 'the hub is still running');
  },
);
