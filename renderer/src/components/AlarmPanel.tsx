import { useEffect, useState } from 'react';
import type { AlarmChangeView } from '../../../common/display-contract';
import { callApi } from '../api';
import { useDisplay } from '../store';
import { alarmAudio } from '../alarm-audio';
import { bannerOrder, offlineDevices, operatorName, remaining, setOperatorName } from '../alarm-view';
import { timeOfDay } from '../timeline/when';

/** Every alarm with acknowledge / pause audio / off, the operator's name, mute, and the alarm history. */
export function AlarmPanel({ now, onClose }: { now: number; onClose: () => void }) {
  const alarms = useDisplay((s) => s.alarms);
  const devices = useDisplay((s) => s.devices);
  const [operator, setOperator] = useState(operatorName());
  const [history, setHistory] = useState<AlarmChangeView[] | null>(null);
  const [error, setError] = useState('');
  const [muted, setMuted] = useState(alarmAudio.muted);
  // The banner's order: a patient alarm of an offline device after every current one.
  const all = [...bannerOrder(alarms, offlineDevices(devices)), ...alarms.filter((a) => a.engine?.off)];
  const refresh = () =>
    void callApi('alarmHistory').then(
      (h) => setHistory(h.slice(-100).reverse()),
      (e: Error) => setError(e.message),
    );
  useEffect(refresh, [alarms]);
  const act = (name: 'alarmAcknowledge' | 'alarmPauseAudio' | 'alarmOff' | 'alarmOn', alarmId: string) =>
    void callApi(name, { params: { alarmId }, body: { who: operator } }).then(
      () => setError(''),
      (e: Error) => setError(e.message),
    );
  return (
    <div className="alarm-panel" data-testid="alarm-panel" onClick={(e) => e.stopPropagation()}>
      <div className="alarm-panel-head">
        <label>
          Operator{' '}
          <input
            data-testid="alarm-operator"
            value={operator}
            onChange={(e) => {
              setOperator(e.target.value);
              setOperatorName(e.target.value);
            }}
          />
        </label>
        <button
          data-testid="alarm-mute"
          onClick={() => {
            alarmAudio.muted = !alarmAudio.muted;
            setMuted(alarmAudio.muted);
          }}
        >
          {muted ? 'Unmute display' : 'Mute display'}
        </button>
        <button data-testid="alarm-panel-close" onClick={onClose}>
          Close
        </button>
      </div>
      {error ? <div className="alarm-panel-error">{error}</div> : null}
      {all.map((a) => (
        <div key={a.alarmId} className={`alarm-row alarm-row-${a.priority}`} data-alarm-row={a.alarmId}>
          <span className="alarm-row-text">
            {a.text}
            {a.engine?.notes.length ? ` — ${a.engine.notes.join('; ')}` : ''}
            <small> {a.engine?.sources.join(', ')}</small>
            {a.engine?.acknowledged ? <small> ack {a.engine.acknowledged.who}</small> : null}
            {a.engine?.audioPausedUntilHubMs && a.engine.audioPausedUntilHubMs > now ? (
              <small>
                {' '}
                paused {remaining(a.engine.audioPausedUntilHubMs - now)} by {a.engine.audioPausedBy?.who}
              </small>
            ) : null}
            {a.engine?.off ? <small> OFF by {a.engine.off.who}</small> : null}
          </span>
          <button data-action="acknowledge" onClick={() => act('alarmAcknowledge', a.alarmId)}>
            Ack
          </button>
          <button data-action="pause-audio" onClick={() => act('alarmPauseAudio', a.alarmId)}>
            Pause audio
          </button>
          <button data-action={a.engine?.off ? 'on' : 'off'} onClick={() => act(a.engine?.off ? 'alarmOn' : 'alarmOff', a.alarmId)}>
            {a.engine?.off ? 'On' : 'Off'}
          </button>
        </div>
      ))}
      <div className="alarm-history" data-testid="alarm-history">
        {(history ?? []).map((h, i) => (
          <div key={i} className="alarm-history-row">
            {timeOfDay(h.tHubMs)} {h.action} {h.priority} {h.text}
            {h.who ? ` by ${h.who}` : ''}
          </div>
        ))}
      </div>
    </div>
  );
}
