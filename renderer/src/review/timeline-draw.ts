/**
 * Draws the case timeline on a canvas: one lane per trend group (min/max per pixel column as the
 * overview route gives them, so no peak is hidden), then lanes for alarms (intervals coloured by
 * IEC 60601-1-8 priority), device online/offline, gaps, the team's markers and reviewers' comments.
 */
import type { OverviewView, ReviewCommentView } from '../../../common/review-contract';
import { timeOfDay } from '../timeline/when';
import { PRIORITY_COLOR } from '../alarm-view';

export const LANES: { group: string; label: string; color: string }[] = [
  { group: 'hr', label: 'HR', color: '#3cff5a' },
  { group: 'spo2', label: 'SpO₂', color: '#2ee6ff' },
  { group: 'abp', label: 'ABP', color: '#ff3b3b' },
  { group: 'etco2', label: 'EtCO₂', color: '#ffe227' },
  { group: 'temperature', label: 'Temp', color: '#f5a3ff' },
  { group: 'agent', label: 'Agent', color: '#b7ffb0' },
  { group: 'infusion', label: 'Infusion', color: '#ffb347' },
  { group: 'insufflation', label: 'Insuffl.', color: '#9ecbff' },
  { group: 'tracking', label: 'Tracking', color: '#c0c0c0' },
];
export const LANE_H = 26;
export const LABEL_W = 110;
const EVENT_LANES = ['Alarms', 'Devices', 'Gaps', 'Team', 'Review'];
export const TIMELINE_H = (LANES.length + EVENT_LANES.length) * LANE_H + 18;

export function drawTimeline(
  canvas: HTMLCanvasElement,
  ov: OverviewView,
  comments: readonly ReviewCommentView[],
  view: { fromMs: number; toMs: number },
): void {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = TIMELINE_H;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#0b0f14';
  ctx.fillRect(0, 0, w, h);
  const plotW = w - LABEL_W;
  const x = (t: number) => LABEL_W + ((t - view.fromMs) / (view.toMs - view.fromMs)) * plotW;
  ctx.font = '13px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  LANES.forEach((lane, i) => {
    const y0 = i * LANE_H;
    ctx.fillStyle = i % 2 ? '#10161d' : '#0d1217';
    ctx.fillRect(LABEL_W, y0, plotW, LANE_H);
    ctx.fillStyle = lane.color;
    ctx.fillText(lane.label, 6, y0 + LANE_H / 2);
    const trends = ov.trends.filter((t) => t.group === lane.group);
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of trends)
      for (let c = 0; c < t.min.length; c++) {
        const a = t.min[c];
        const b = t.max[c];
        if (a !== null && a < lo) lo = a;
        if (b !== null && b > hi) hi = b;
      }
    if (!(hi >= lo)) return;
    const pad = (hi - lo) * 0.08 || 1;
    const y = (v: number) => y0 + LANE_H - 3 - ((v - lo + pad) / (hi - lo + 2 * pad)) * (LANE_H - 6);
    const colW = plotW / ov.width;
    const ox = x(ov.fromMs);
    const scaleX = (ov.toMs - ov.fromMs) / (view.toMs - view.fromMs);
    ctx.fillStyle = lane.color;
    // Zoomed in below the sample interval most columns are empty: a column's value holds until the next one (up to 5 s),
    // so a 1 Hz trend reads as a line, not dots.
    const hold = Math.max(1, Math.ceil(5000 / Math.max(1, ov.columnMs)));
    for (const t of trends)
      for (let c = 0; c < t.min.length; c++) {
        const a = t.min[c];
        const b = t.max[c];
        if (a === null || b === null) continue;
        let next = c + 1;
        while (next < t.min.length && next - c < hold && t.min[next] === null) next++;
        if (next - c >= hold) next = c + 1;
        const yx = y(b) - 1;
        ctx.fillRect(ox + c * colW * scaleX, yx, Math.max(1, (next - c) * colW * scaleX), Math.max(2, y(a) + 1 - yx));
      }
    ctx.fillStyle = '#7f8a96';
    ctx.font = '10px system-ui, sans-serif';
    ctx.fillText(`${round(lo)}–${round(hi)}`, 62, y0 + LANE_H / 2);
    ctx.font = '13px system-ui, sans-serif';
  });
  const laneY = (name: string) => (LANES.length + EVENT_LANES.indexOf(name)) * LANE_H;
  EVENT_LANES.forEach((name, i) => {
    const y0 = laneY(name);
    ctx.fillStyle = i % 2 ? '#10161d' : '#0d1217';
    ctx.fillRect(LABEL_W, y0, plotW, LANE_H);
    ctx.fillStyle = '#cfd6de';
    ctx.fillText(name, 6, y0 + LANE_H / 2);
  });
  // Alarms: high on top of lower priorities.
  for (const a of [...ov.alarms].sort((p, q) => p.priority - q.priority)) {
    const x0 = x(a.fromMs);
    const x1 = x(a.toMs ?? ov.toMs);
    ctx.fillStyle = PRIORITY_COLOR[a.priority] ?? '#888';
    ctx.fillRect(x0, laneY('Alarms') + 4 + (3 - a.priority) * 3, Math.max(2, x1 - x0), LANE_H - 14);
  }
  // Devices: one thin row per device, green online, grey stale, dark red offline.
  const nDev = Math.max(1, ov.devices.length);
  ov.devices.forEach((d, k) => {
    const rowH = Math.max(2, (LANE_H - 4) / nDev);
    for (const iv of d.intervals) {
      ctx.fillStyle = iv.state === 'online' ? '#2e7d32' : iv.state === 'stale' ? '#8d8d2e' : '#8b1e1e';
      const x0 = x(iv.fromMs);
      ctx.fillRect(x0, laneY('Devices') + 2 + k * rowH, Math.max(1, x(iv.toMs ?? ov.toMs) - x0), rowH - 1);
    }
  });
  ctx.fillStyle = '#ff8c00';
  for (const g of ov.gaps) ctx.fillRect(x(g.fromMs), laneY('Gaps') + 5, Math.max(2, x(g.toMs) - x(g.fromMs)), LANE_H - 10);
  for (const m of ov.markers) {
    if (m.action === 'delete') continue;
    const mx = x(m.tMs);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(mx - 1, laneY('Team') + 3, 2, LANE_H - 6);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText(m.kind, mx + 3, laneY('Team') + LANE_H / 2);
  }
  ctx.fillStyle = '#c77dff';
  for (const c of comments) {
    const cx = x(c.tMs);
    const cy = laneY('Review') + LANE_H / 2;
    ctx.beginPath();
    ctx.moveTo(cx, cy - 8);
    ctx.lineTo(cx + 7, cy);
    ctx.lineTo(cx, cy + 8);
    ctx.lineTo(cx - 7, cy);
    ctx.fill();
  }
  // Time axis.
  ctx.fillStyle = '#9aa4ae';
  ctx.font = '11px system-ui, sans-serif';
  const ticks = 8;
  for (let i = 0; i <= ticks; i++) {
    const t = view.fromMs + ((view.toMs - view.fromMs) * i) / ticks;
    const tx = x(t);
    ctx.fillRect(tx, h - 18, 1, 4);
    ctx.fillText(clock(t), Math.min(w - 60, tx + 2), h - 8);
  }
}

const round = (v: number) => (Math.abs(v) >= 10 ? Math.round(v) : Math.round(v * 10) / 10);

/** Hub ms as a wall-clock time of day (with seconds, and tenths when `tenths`). */
export function clock(t: number, tenths = false): string {
  const s = timeOfDay(t);
  return tenths ? `${s}.${Math.floor((t % 1000) / 100)}` : s;
}
