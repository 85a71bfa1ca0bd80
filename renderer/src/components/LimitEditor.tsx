import { useState } from 'react';
import type { AlarmLimitView } from '../../../common/display-contract';
import { callApi } from '../api';
import { useDisplay } from '../store';
import { operatorName } from '../alarm-view';

const fmt = (v: number | null) => (v === null ? '–' : String(v));

/** The limits beside a numeric tile; touching them opens the editor (each change recorded with who). */
export function TileLimits({ mdc, testId }: { mdc: string; testId?: string }) {
  const limit = useDisplay((s) => s.alarmLimits.find((l) => l.mdc === mdc));
  const [open, setOpen] = useState(false);
  if (!limit) return null;
  return (
    <>
      <div className="tile-limits" data-testid={testId ? `${testId}-limits` : undefined} onClick={() => setOpen(true)} title="Touch to change the alarm limits">
        {fmt(limit.low)} – {fmt(limit.high)}
      </div>
      {open ? <LimitEditor limit={limit} onClose={() => setOpen(false)} /> : null}
    </>
  );
}

function LimitEditor({ limit, onClose }: { limit: AlarmLimitView; onClose: () => void }) {
  const [low, setLow] = useState(fmt(limit.low));
  const [high, setHigh] = useState(fmt(limit.high));
  const [error, setError] = useState('');
  const num = (s: string) => (s.trim() === '' || s.trim() === '–' ? null : Number(s));
  const save = () =>
    void callApi('alarmLimits', { params: { mdc: limit.mdc }, body: { who: operatorName(), low: num(low), high: num(high) } }).then(onClose, (e: Error) =>
      setError(e.message),
    );
  return (
    <div className="limit-editor" data-testid="limit-editor" onClick={(e) => e.stopPropagation()}>
      <strong style={{ gridColumn: 'span 2' }}>
        {limit.label} alarm limits ({limit.unit})
      </strong>
      <label htmlFor="limit-low">Low</label>
      <input id="limit-low" data-testid="limit-low" inputMode="decimal" value={low} onChange={(e) => setLow(e.target.value)} />
      <label htmlFor="limit-high">High</label>
      <input id="limit-high" data-testid="limit-high" inputMode="decimal" value={high} onChange={(e) => setHigh(e.target.value)} />
      {error ? <div style={{ gridColumn: 'span 2', color: 'var(--high)' }}>{error}</div> : null}
      <button data-testid="limit-save" onClick={save}>
        Save
      </button>
      <button onClick={onClose}>Cancel</button>
    </div>
  );
}
