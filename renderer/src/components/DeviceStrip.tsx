import { useDisplay } from '../store';

const KIND_LABEL: Record<string, string> = {
  'patient-monitor': 'Monitor',
  'anaesthesia-machine': 'Anaesthesia',
  'infusion-pump': 'Pump',
  'electrosurgical-unit': 'ESU',
  insufflator: 'Insufflator',
  'poc-lab-analyser': 'Lab',
  'navigation-tracker': 'Navigation',
};

/** One chip per device: online, stale or offline, clock sync, losses. */
export function DeviceStrip() {
  const devices = useDisplay((s) => s.devices);
  // Without the hub the last device states are not current: never show them as ONLINE (issue 13 §2).
  const hubLive = useDisplay((s) => s.hubLive);
  return (
    <div className={`device-strip${hubLive ? '' : ' hub-lost'}`} data-testid="device-strip">
      {[...devices.values()].map((d) => {
        const unsync = d.unsynchronised ?? (d.sync !== null && !d.sync.synchronised);
        return (
          <div
            key={d.deviceId}
            className={`device-chip state-${d.state}`}
            data-testid={`device-${d.deviceId}`}
            data-state={d.state}
            title={
              `${d.manufacturer} ${d.model} (${d.deviceId}): ` +
              `${d.stateReason}${d.sync ? `; clock offset ${d.sync.offsetMs.toFixed(1)} ms ± ${d.sync.uncertaintyMs.toFixed(1)} ms` : ''}`
            }
          >
            <span className="dot" />
            <span className="chip-name">{KIND_LABEL[d.kind] ?? d.kind}</span>
            <span className="chip-model">{d.model}</span>
            <span className="chip-state">{hubLive ? d.state.toUpperCase() : 'UNKNOWN'}</span>
            {unsync ? <span className="chip-flag">UNSYNCHRONISED</span> : null}
            {d.flooding ? <span className="chip-flag">FLOOD</span> : null}
            {d.counters.gaps > 0 ? <span className="chip-flag chip-gaps">{d.counters.gaps} gaps</span> : null}
          </div>
        );
      })}
    </div>
  );
}
