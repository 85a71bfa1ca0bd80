import { useEffect, useRef } from 'react';
import { EXTRA_TILES, type TileSpec, type WaveRowSpec } from '../layout';
import { formatValue, ucumDisplay } from '../units';
import type { ReviewNumericView } from '../../../common/review-contract';
import { useReview } from './review-store';
import { player } from './player';
import { PRIORITY_COLOR } from '../alarm-view';

/** Numerics the theatre display showed: under 10 s old (NIBP: 15 min), not flagged invalid (status bit 0). */
function shown(n: ReviewNumericView | undefined, episodic: boolean): ReviewNumericView | null {
  if (!n || n.status & 1) return null;
  return n.ageMs <= (episodic ? 15 * 60000 : 10000) ? n : null;
}

function Tile({ spec, size = 'big', testId }: { spec: TileSpec; size?: 'big' | 'small'; testId: string }) {
  const numerics = useReview((s) => s.numerics);
  const episodic = spec.label === 'NIBP';
  const parts = (spec.sysDiaMean ?? [spec.mdc!]).map((m) => shown(numerics[m], episodic));
  const live = parts.every((p) => p !== null);
  const first = parts[0];
  const unit = first ? ucumDisplay(first.unit) : '';
  const f = (n: ReviewNumericView | null) => (n ? formatValue(n.value, n.unit) : '---');
  const text = spec.sysDiaMean ? `${f(parts[0])}/${f(parts[1])}` : f(parts[0]);
  return (
    <div className={`tile tile-${size} ${live ? 'live' : 'not-live'}`} style={{ color: live ? spec.color : undefined }} data-testid={testId} data-live={live}>
      <div className="tile-head">
        <span className="tile-label">{spec.label}</span>
        <span className="tile-unit">{unit}</span>
      </div>
      <div className={`tile-value ${spec.sysDiaMean ? 'triple' : ''}`} data-testid={`${testId}-value`} data-value={first?.value ?? ''}>
        {text}
        {spec.sysDiaMean ? <span className="tile-sub"> ({f(parts[2])})</span> : null}
      </div>
    </div>
  );
}

function Row({ spec }: { spec: WaveRowSpec }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => (canvas.current ? player.attach(spec.id, canvas.current) : undefined), [spec.id]);
  return (
    <div className="wave-row" data-testid={`review-row-${spec.id}`}>
      <div className="wave-area">
        <span className="wave-label" style={{ color: spec.color }}>
          {spec.label}
        </span>
        <canvas ref={canvas} className="wave-canvas" data-testid={`review-wave-${spec.id}`} />
      </div>
      <Tile spec={spec.tile} testId={`review-tile-${spec.id}`} />
      <div className="small-tiles">
        {(spec.small ?? []).map((t) => (
          <Tile key={t.label} spec={t} size="small" testId={`review-tile-${spec.id}-${t.label.toLowerCase()}`} />
        ))}
      </div>
    </div>
  );
}

/** The monitor as it was at the instant shown: waveform rows, numerics, extra tiles. */
export function ReviewMonitor() {
  const detail = useReview((s) => s.detail);
  if (!detail) return null;
  return (
    <section className="vitals" data-testid="review-vitals">
      {player.waveRows().map((r) => (
        <Row key={r.id} spec={r} />
      ))}
      <div className="extra-tiles">
        {EXTRA_TILES.map((t) => (
          <Tile key={t.label} spec={t} testId={`review-tile-${t.label.toLowerCase()}`} />
        ))}
      </div>
    </section>
  );
}

const PRIORITY_NAME: Record<number, string> = { 3: 'high', 2: 'medium', 1: 'low', 0: 'info' };

/** The alarm banner at the instant shown (highest priority first) and the devices' states then. */
export function ReviewBanner() {
  const instant = useReview((s) => s.instant);
  const alarms = [...(instant?.alarms ?? [])].sort((a, b) => b.priority - a.priority || a.fromMs - b.fromMs);
  return (
    <div className="review-banner">
      <div className="alarm-bar" data-testid="review-alarm-bar">
        {alarms.slice(0, 4).map((a) => (
          <div
            key={`${a.deviceId}/${a.code}/${a.fromMs}`}
            className={`alarm alarm-${PRIORITY_NAME[a.priority]}`}
            data-priority={PRIORITY_NAME[a.priority]}
            style={{ borderColor: PRIORITY_COLOR[a.priority] }}
          >
            {a.text}
          </div>
        ))}
        {alarms.length > 4 ? <div className="alarm alarm-more">+{alarms.length - 4} more</div> : null}
      </div>
      <div className="review-devices" data-testid="review-devices">
        {(instant?.devices ?? []).map((d) => (
          <span key={d.deviceId} className={`review-device state-${d.state}`} title={d.reason}>
            {d.deviceId}: {d.state}
          </span>
        ))}
      </div>
    </div>
  );
}
