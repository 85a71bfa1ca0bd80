import { useDisplay } from '../store';
import type { AlarmItem } from '../../../common/display-contract';

const RANK: Record<AlarmItem['priority'], number> = { high: 3, medium: 2, low: 1, info: 0 };

/** Active alarms, highest priority first, coloured and flashing per IEC 60601-1-8. */
export function AlarmBar() {
  const alarms = useDisplay((s) => s.alarms);
  const connected = useDisplay((s) => s.connected);
  const sorted = [...alarms].filter((a) => a.active).sort((a, b) => RANK[b.priority] - RANK[a.priority] || a.sinceHubMs - b.sinceHubMs);
  return (
    <div className="alarm-bar" data-testid="alarm-bar">
      {!connected ? <div className="alarm alarm-high">HUB CONNECTION LOST</div> : null}
      {sorted.slice(0, 4).map((a) => (
        <div key={a.alarmId} className={`alarm alarm-${a.priority}`} data-priority={a.priority} title={`${a.text} (${a.deviceId})`}>
          {a.priority === 'high' ? '!!! ' : a.priority === 'medium' ? '!! ' : a.priority === 'low' ? '! ' : ''}
          {a.text}
        </div>
      ))}
      {sorted.length > 4 ? <div className="alarm alarm-more">+{sorted.length - 4} more</div> : null}
    </div>
  );
}
