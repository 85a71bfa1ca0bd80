import { useDisplay, findStream, type DisplayState } from '../store';
import type { TileSpec } from '../layout';
import { formatValue, ucumDisplay } from '../units';
import { hubClock } from '../hub-clock';
import { TileLimits } from './LimitEditor';
import { tileAlarm } from '../alarm-view';

/** A numeric's display value, or null when it must not look live (device down, stale, invalid). */
export function liveNumeric(s: DisplayState, mdc: string, maxAgeMs = 10000, evenIfHubLost = false): { text: string; unit: string; ageMs: number } | null {
  if (!s.hubLive && !evenIfHubLost) return null;
  const st = findStream(s, mdc, 'numeric');
  if (!st) return null;
  const dev = s.devices.get(st.deviceId);
  const n = s.numerics.get(st.streamId);
  if (!dev || dev.state !== 'online' || !n || n.status & 1) return null;
  const ageMs = hubClock.now() - n.tHubMs;
  if (ageMs > maxAgeMs) return null;
  return { text: formatValue(n.value, st.channel.unit), unit: ucumDisplay(st.channel.unit), ageMs };
}

function unitOf(s: DisplayState, mdc: string): string {
  const st = findStream(s, mdc, 'numeric');
  return st ? ucumDisplay(st.channel.unit) : '';
}

export function NumericTile({ spec, size = 'big', testId }: { spec: TileSpec; size?: 'big' | 'small'; testId?: string }) {
  const episodic = spec.label === 'NIBP';
  const maxAge = episodic ? 15 * 60_000 : 10_000;
  const state = useDisplay((s) => s);
  // With the hub lost every value is dashed, but the NIBP (episodic) keeps its value greyed, with its age.
  const keepAged = episodic && !state.hubLive;
  const value = ((s) => {
    if (spec.sysDiaMean) {
      const [a, b, c] = spec.sysDiaMean.map((m) => liveNumeric(s, m, maxAge, keepAged));
      return a && b && c ? { text: `${a.text}/${b.text}`, sub: `(${c.text})`, unit: a.unit, ageMs: a.ageMs } : null;
    }
    const v = liveNumeric(s, spec.mdc!, maxAge);
    return v ? { text: v.text, sub: '', unit: v.unit, ageMs: v.ageMs } : null;
  })(state);
  const unit = unitOf(state, spec.sysDiaMean ? spec.sysDiaMean[0] : spec.mdc!);
  const live = value !== null && state.hubLive;
  const dashes = spec.sysDiaMean ? '---/---' : '---';
  const mdcs = spec.sysDiaMean ?? [spec.mdc!];
  const alarm = tileAlarm(state.alarms, mdcs);
  return (
    <div
      className={`tile tile-${size} ${live ? 'live' : 'not-live'}${alarm ? ` tile-alarm-${alarm.priority}` : ''}`}
      style={{ color: live ? spec.color : undefined }}
      data-testid={testId}
      data-live={live}
      data-alarm={alarm?.priority}
    >
      <div className="tile-head">
        <span className="tile-label">{spec.label}</span>
        <span className="tile-unit">{unit}</span>
      </div>
      <TileLimits mdc={mdcs[0]} testId={testId} />
      <div className={`tile-value ${spec.sysDiaMean ? 'triple' : ''}`} data-testid={testId ? `${testId}-value` : undefined}>
        {value ? value.text : dashes}
        {value?.sub ? <span className="tile-sub"> {value.sub}</span> : null}
      </div>
      {episodic && value ? <div className="tile-age">{Math.round(value.ageMs / 60000)} min ago</div> : null}
    </div>
  );
}
