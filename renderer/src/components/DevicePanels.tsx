import { useDisplay } from '../store';
import type { DeviceView } from '../../../common/display-contract';
import { formatValue, ucumDisplay } from '../units';
import { hubClock } from '../hub-clock';

const PANEL_KINDS = ['anaesthesia-machine', 'infusion-pump', 'electrosurgical-unit', 'insufflator', 'poc-lab-analyser', 'navigation-tracker'];
const TITLES: Record<string, string> = {
  'anaesthesia-machine': 'Anaesthesia',
  'infusion-pump': 'Infusion',
  'electrosurgical-unit': 'Electrosurgery',
  insufflator: 'Insufflator',
  'poc-lab-analyser': 'Blood gas / lab',
  'navigation-tracker': 'Navigation',
};

function DevicePanel({ d }: { d: DeviceView }) {
  const numerics = useDisplay((s) => s.numerics);
  const settings = useDisplay((s) => s.settings);
  const hubLive = useDisplay((s) => s.hubLive);
  const live = d.state === 'online' && hubLive;
  const lab = d.kind === 'poc-lab-analyser';
  const rows = d.channels
    .filter((c) => c.kind === 'numeric' || c.kind === 'setting' || c.kind === 'text')
    .map((c) => {
      const n = c.kind === 'numeric' ? numerics.get(c.streamId) : undefined;
      const s = c.kind !== 'numeric' ? settings.get(c.streamId) : undefined;
      const t = n?.tHubMs ?? s?.tHubMs;
      // Lab results are episodic: they stay valid, with their age; 1 Hz numerics expire after 10 s.
      const fresh = t !== undefined && (lab || c.kind !== 'numeric' || hubClock.now() - t < 10000);
      let text = '---';
      if (live && fresh) {
        if (c.kind === 'text') text = s?.text || '---';
        else if (n) text = formatValue(n.value, c.unit);
        else if (s) text = s.text ? `${formatValue(s.value, c.unit)} ${s.text}` : formatValue(s.value, c.unit);
      }
      return { c, text, t };
    });
  const esuActive = d.kind === 'electrosurgical-unit' && live && rows.find((r) => r.c.mdc === 'MDC_ESU_ACTIVATION')?.text === '1';
  const labTime = lab ? Math.max(...rows.map((r) => r.t ?? 0)) : 0;
  return (
    <div className={`panel ${live ? '' : 'not-live'} ${esuActive ? 'esu-active' : ''}`} data-testid={`panel-${d.deviceId}`}>
      <div className="panel-title">
        <span>{TITLES[d.kind] ?? d.kind}</span>
        <span className="panel-model">{d.model}</span>
        {!live ? <span className="panel-state">{hubLive ? d.state.toUpperCase() : 'NO DATA'}</span> : null}
        {esuActive ? <span className="panel-state esu">ACTIVE</span> : null}
        {lab && labTime > 0 ? <span className="panel-model">{Math.round((hubClock.now() - labTime) / 60000)} min ago</span> : null}
      </div>
      <div className="panel-rows">
        {rows
          .filter((r) => r.c.mdc !== 'MDC_ESU_ACTIVATION')
          .map((r) => (
            <div className={`panel-row kind-${r.c.kind}`} key={r.c.streamId}>
              <span className="pr-label">{r.c.label}</span>
              <span className="pr-value">{r.text}</span>
              <span className="pr-unit">{r.c.kind === 'text' ? '' : ucumDisplay(r.c.unit)}</span>
            </div>
          ))}
      </div>
    </div>
  );
}

export function DevicePanels() {
  const devices = useDisplay((s) => s.devices);
  const list = [...devices.values()].filter((d) => PANEL_KINDS.includes(d.kind)).sort((a, b) => PANEL_KINDS.indexOf(a.kind) - PANEL_KINDS.indexOf(b.kind) || a.deviceId.localeCompare(b.deviceId));
  return (
    <div className="panels" data-testid="device-panels">
      {list.map((d) => (
        <DevicePanel key={d.deviceId} d={d} />
      ))}
    </div>
  );
}
