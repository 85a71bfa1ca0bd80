import { useRef } from 'react';
import { useFitStep } from './fit';
import { useDisplay } from '../store';
import { WAVE_ROWS, EXTRA_TILES, type TileSpec } from '../layout';
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

/** Every MDC code the vitals area shows with a tile (by code, whatever device sends it). */
const TILE_CODES: ReadonlySet<string> = new Set(
  [...WAVE_ROWS.flatMap((r) => [r.tile, ...(r.small ?? [])]), ...EXTRA_TILES].flatMap((t: TileSpec) => (t.sysDiaMean ? [...t.sysDiaMean] : [t.mdc!])),
);

/** Panel rows of a device: every numeric, setting and text channel, less the numerics a vitals tile shows. Unknown codes stay, with label and unit. */
function panelChannels(d: DeviceView) {
  return d.channels.filter((c) => (c.kind === 'numeric' && !TILE_CODES.has(c.mdc)) || c.kind === 'setting' || c.kind === 'text');
}

function DevicePanel({ d }: { d: DeviceView }) {
  const numerics = useDisplay((s) => s.numerics);
  const settings = useDisplay((s) => s.settings);
  const hubLive = useDisplay((s) => s.hubLive);
  const live = d.state === 'online' && hubLive;
  const lab = d.kind === 'poc-lab-analyser';
  const rows = panelChannels(d).map((c) => {
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
            <div className={`panel-row kind-${r.c.kind} ${r.text.length > 8 ? 'wide' : ''}`} key={r.c.streamId}>
              <span className="pr-label">{r.c.label}</span>
              <span className="pr-value">{r.text}</span>
              <span className="pr-unit">{r.c.kind === 'text' ? '' : ucumDisplay(r.c.unit)}</span>
            </div>
          ))}
      </div>
    </div>
  );
}

/**
 * How tight the panels are packed: the next level when they do not fit (24 px values at 1080p, then compact, then
 * dense, then squeeze: dense in narrower columns, the panels' side of the screen wider and the 3D area lower; styles.css).
 */
const LEVELS = ['', 'compact', 'dense', 'squeeze'] as const;

/**
 * Every device with something to show has a panel (known kinds first, in the order of the room);
 * when they do not fit, they are packed tighter (and the 3D area gives up space), and if they still do not fit the panels scroll
 * with a red line saying so: never one hidden in silence.
 */
export function DevicePanels() {
  const devices = useDisplay((s) => s.devices);
  const rank = (k: string) => (PANEL_KINDS.includes(k) ? PANEL_KINDS.indexOf(k) : PANEL_KINDS.length);
  const list = [...devices.values()]
    .filter((d) => PANEL_KINDS.includes(d.kind) || panelChannels(d).length > 0)
    .sort((a, b) => rank(a.kind) - rank(b.kind) || a.deviceId.localeCompare(b.deviceId));
  const box = useRef<HTMLDivElement>(null);
  const key = list.map((d) => `${d.deviceId}:${d.channels.length}`).join(',');
  const { step: level, overflow } = useFitStep(box, LEVELS.length, key);
  return (
    <>
      {overflow ? (
        <div className="panels-overflow" role="status" data-testid="panels-overflow">
          Not every device panel fits: scroll the panels ({list.length} devices)
        </div>
      ) : null}
      <div className={`panels ${LEVELS[level]} ${overflow ? 'overflowing' : ''}`} ref={box} data-testid="device-panels" data-level={LEVELS[level] || 'normal'}>
        {list.map((d) => (
          <DevicePanel key={d.deviceId} d={d} />
        ))}
      </div>
    </>
  );
}
