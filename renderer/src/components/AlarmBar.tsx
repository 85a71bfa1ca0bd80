import { useEffect, useMemo, useRef, useState } from 'react';
import { useFitStep } from './fit';
import { ALARM_HEARTBEAT_TIMEOUT_MS } from '../../../common/display-contract';
import { useDisplay } from '../store';
import { hubClock } from '../hub-clock';
import { alarmAudio, audiblePriority } from '../alarm-audio';
import { bannerOrder, lastKnown, offlineDevices, remaining } from '../alarm-view';
import { AlarmPanel } from './AlarmPanel';

/** The most alarms the banner shows; fewer where they do not fit whole. */
const MAX_SHOWN = 4;

/** Re-renders every 250 ms (pause countdowns, heartbeat watch, audio). */
function useTicker(): number {
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((x) => x + 1), 250);
    return () => clearInterval(t);
  }, []);
  return hubClock.now();
}

/**
 * The one alarm banner: active alarms by priority then time, coloured and flashing per IEC
 * 60601-1-8 (styles.css: high red 2 Hz 50 % on, medium yellow 0.625 Hz 50 % on, low cyan
 * steady); context notes, escalation and audio pause with its remaining time; the alarm-system
 * failure when the hub's alarm heartbeat is missing for 2 s; a permanent notice when this
 * display makes no sound. Touching an alarm opens the alarm panel (acknowledge, pause, off, history).
 */
export function AlarmBar() {
  const alarms = useDisplay((s) => s.alarms);
  const connected = useDisplay((s) => s.connected);
  // With the hub lost these are the last alarms it sent, not current ones: greyed and said so (issue 13 §2).
  const hubLive = useDisplay((s) => s.hubLive);
  const beat = useDisplay((s) => s.alarmHeartbeatHubMs);
  const now = useTicker();
  const [panel, setPanel] = useState(false);
  const devices = useDisplay((s) => s.devices);
  // Built again only when the devices or alarms change, not on each 250 ms tick.
  const offline = useMemo(() => offlineDevices(devices), [devices]);
  const sorted = useMemo(() => bannerOrder(alarms, offline), [alarms, offline]);
  const failed = connected && beat > 0 && now - beat > ALARM_HEARTBEAT_TIMEOUT_MS;
  const audible = failed ? 'high' : audiblePriority(sorted, now);
  useEffect(() => alarmAudio.set(audible), [audible]);
  const paused = sorted.filter((a) => a.engine?.audioPausedUntilHubMs && a.engine.audioPausedUntilHubMs > now && !a.engine.acknowledged);
  const pausedMs = paused.reduce((m, a) => Math.max(m, a.engine!.audioPausedUntilHubMs! - now), 0);
  const silent = alarmAudio.muted || !alarmAudio.running;
  // As many alarms as fit whole beside the notices (at most 4), the rest counted in "+N more" (issue 13 §3).
  const bar = useRef<HTMLDivElement>(null);
  const { step, overflow } = useFitStep(
    bar,
    MAX_SHOWN,
    `${sorted.map((a) => a.alarmId).join(',')}|${connected}|${hubLive}|${failed}|${silent}|${pausedMs > 0}`,
    // The lead alarm (the highest priority, oldest) is shown whole: when its own text does not fit, that is overflow
    // (its context note may shorten). The others may shorten to a stub; the panel has them whole.
    '.alarm-lead',
  );
  const shown = MAX_SHOWN - step;
  return (
    <div className="alarm-bar" data-testid="alarm-bar" ref={bar} data-fit-overflow={overflow}>
      {!connected ? <div className="alarm alarm-high">HUB CONNECTION LOST</div> : null}
      {failed ? (
        <div className="alarm alarm-high" data-testid="alarm-system-failure">
          ALARM SYSTEM FAILURE: no heartbeat from the hub
        </div>
      ) : null}
      {silent ? (
        <button className="alarm-audio-off" data-testid="audio-off" onClick={() => alarmAudio.unlock()} title="Touch to enable sound">
          {alarmAudio.muted ? (
            'DISPLAY MUTED'
          ) : (
            <>
              NO SOUND<span className="audio-off-hint">: touch to enable</span>
            </>
          )}
        </button>
      ) : null}
      {pausedMs > 0 ? (
        <span className="alarm-paused" data-testid="audio-paused">
          AUDIO PAUSED {remaining(pausedMs)}
        </span>
      ) : null}
      {!hubLive && sorted.length ? (
        <span className="alarms-last-known" data-testid="alarms-last-known" title="The hub is lost: these alarms may have changed">
          LAST KNOWN
        </span>
      ) : null}
      {sorted.slice(0, shown).map((a, i) => (
        <div
          key={a.alarmId}
          className={`alarm ${hubLive && !lastKnown(a, offline) ? `alarm-${a.priority}` : 'alarm-stale'}${a.engine?.escalatedHubMs ? ' escalated' : ''}${i === 0 ? ' alarm-lead' : ''}`}
          data-priority={a.priority}
          data-stale={!hubLive || lastKnown(a, offline)}
          data-alarm-id={a.alarmId}
          title={`${a.text} (${a.engine?.sources.join(', ') ?? a.deviceId})`}
          onClick={() => {
            alarmAudio.unlock();
            setPanel(true);
          }}
        >
          <span className="alarm-text">
            {a.priority === 'high' ? '!!! ' : a.priority === 'medium' ? '!! ' : a.priority === 'low' ? '! ' : ''}
            {a.text}
            {a.engine?.acknowledged ? ' ✓' : ''}
            {a.engine?.escalatedHubMs ? ' ESCALATED' : ''}
          </span>
          {a.engine?.notes.length || a.engine?.latched || lastKnown(a, offline) ? (
            <span className="alarm-note">
              {lastKnown(a, offline) ? ' (last known: device offline)' : ''}
              {a.engine?.latched ? ' (ended, latched)' : ''}
              {a.engine?.notes.length ? ` — ${a.engine.notes.join('; ')}` : ''}
            </span>
          ) : null}
        </div>
      ))}
      {sorted.length > shown ? (
        <button className="alarm alarm-more" onClick={() => setPanel(true)} data-testid="alarms-more">
          +{sorted.length - shown} more
        </button>
      ) : null}
      {panel ? <AlarmPanel now={now} onClose={() => setPanel(false)} /> : null}
    </div>
  );
}
