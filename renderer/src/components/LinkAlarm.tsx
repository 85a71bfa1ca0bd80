import { useDisplayAlarm } from '../liveness';

/** The display's own high-priority technical alarm: it cannot show current data (renderer/src/liveness.ts). */
export function LinkAlarm() {
  const a = useDisplayAlarm((s) => s);
  if (!a.active) return null;
  return (
    <div className="alarm alarm-high link-alarm" role="alert" data-testid="link-alarm" data-sounding={a.sounding} data-priority="high">
      !!! {a.text}
    </div>
  );
}
