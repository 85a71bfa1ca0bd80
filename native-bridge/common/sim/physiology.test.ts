import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Patient, DEFAULT_PATIENT } from './physiology';

/** Finds R peaks in a sampled ECG: local maxima above a threshold, at least 250 ms apart. */
function rPeaks(x: Float64Array, rate: number, threshold: number): number[] {
  const peaks: number[] = [];
  for (let i = 1; i < x.length - 1; i++) {
    if (x[i] > threshold && x[i] >= x[i - 1] && x[i] > x[i + 1]) {
      const t = i / rate;
      if (peaks.length && t - peaks[peaks.length - 1] < 0.25) continue;
      peaks.push(t);
    }
  }
  return peaks;
}

test('the HR reported is the rate of the QRS complexes drawn', () => {
  for (const hr of [48, 72, 130]) {
    const p = new Patient({ ...DEFAULT_PATIENT, hr, seed: hr });
    const rate = 500;
    const seconds = 90;
    const x = new Float64Array(rate * seconds);
    const reported: { t: number; hr: number }[] = [];
    for (let i = 0; i < x.length; i++) {
      const t = i / rate;
      x[i] = p.ecg(t);
      if (i % rate === 0 && t > 10) reported.push({ t, hr: p.heartRate() });
    }
    const peaks = rPeaks(x, rate, 0.7);
    for (const r of reported) {
      const before = peaks.filter((t) => t <= r.t + 1e-9).slice(-8);
      const measured = (60 * (before.length - 1)) / (before[before.length - 1] - before[0]);
      assert.ok(Math.abs(measured - r.hr) < 0.5, `t=${r.t}: drawn ${measured.toFixed(2)} vs reported ${r.hr.toFixed(2)}`);
    }
    const mean = (60 * (peaks.length - 1)) / (peaks[peaks.length - 1] - peaks[0]);
    assert.ok(Math.abs(mean - hr) < hr * 0.08, `mean drawn rate ${mean.toFixed(1)} near the set ${hr}`);
    // Heart-rate variability is present: R-R intervals are not all equal.
    const rr = peaks.slice(1).map((t, i) => t - peaks[i]);
    const sd = Math.sqrt(rr.reduce((s, v) => s + (v - rr.reduce((a, b) => a + b) / rr.length) ** 2, 0) / rr.length);
    assert.ok(sd > 0.005, `RR standard deviation ${sd}`);
  }
});

test('ABP numerics match the drawn pressure curve and EtCO2 the capnogram plateau', () => {
  const p = new Patient(DEFAULT_PATIENT);
  let max = -Infinity,
    min = Infinity,
    co2max = 0;
  for (let i = 0; i < 125 * 30; i++) {
    const t = i / 125;
    const v = p.abp(t);
    const c = p.co2(t);
    if (t > 24) {
      max = Math.max(max, v);
      min = Math.min(min, v);
      co2max = Math.max(co2max, c);
    }
  }
  const n = p.abpNumerics();
  assert.ok(Math.abs(n.sys - max) < 6, `sys ${n.sys.toFixed(1)} vs drawn max ${max.toFixed(1)}`);
  assert.ok(Math.abs(n.dia - min) < 6, `dia ${n.dia.toFixed(1)} vs drawn min ${min.toFixed(1)}`);
  assert.ok(n.mean > n.dia && n.mean < n.sys);
  assert.ok(Math.abs(p.etco2() - co2max) < 2.5, `EtCO2 ${p.etco2().toFixed(1)} vs plateau ${co2max.toFixed(1)}`);
  assert.ok(Math.abs(p.respRate() - DEFAULT_PATIENT.rr) < 0.01);
});
