import { useEffect, useRef, useState } from 'react';
import { useFitStep } from './fit';
import { timeOfDay } from '../timeline/when';
import { useDisplay } from '../store';
import { WAVE_ROWS, EXTRA_TILES } from '../layout';
import { WaveRow } from './WaveRow';
import { NumericTile } from './Tiles';
import { AlarmBar } from './AlarmBar';
import { LinkAlarm } from './LinkAlarm';
import { ImagesPatient } from './ImagesPatient';
import { DeviceStrip } from './DeviceStrip';
import { DevicePanels } from './DevicePanels';
import { hubClock } from '../hub-clock';
import { TimelinePanel } from '../timeline/Timeline';
import { CaseBar } from '../timeline/CaseBar';
import { AnatomyView } from '../anatomy/AnatomyView';

/** The hub's time of day; App re-renders it each second (its own tick). */
function Clock() {
  return <span className="clock">{timeOfDay(hubClock.now())}</span>;
}

export function App({ tokenMissing, onReview }: { tokenMissing: boolean; onReview?: () => void }) {
  const simulated = useDisplay((s) => s.simulated);
  const connectError = useDisplay((s) => s.connectError);
  const hubLive = useDisplay((s) => s.hubLive);
  const contractMismatch = useDisplay((s) => s.contractMismatch);
  // The header on two lines (the alarms below) when its parts do not fit on one, even with the banner down to one
  // alarm: with the hub lost, at 1366 px (issue 13 §3).
  const top = useRef<HTMLElement>(null);
  const headerKey = useDisplay((s) => `${s.hubLive}|${s.connected}|${s.alarms.length}|${s.caseView?.state ?? 'none'}`);
  const { step: headerRows } = useFitStep(top, 2, headerKey, '.case-bar, .alarm-bar[data-fit-overflow="true"]');
  // Re-render each second so numerics age out (greyed) even when no message arrives.
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((x) => x + 1), 1000);
    return () => clearInterval(t);
  }, []);
  if (tokenMissing) {
    return (
      <div className="fatal">
        This display needs the session token. Open the full <code>display:</code> URL that <code>or-hub start</code> printed.
      </div>
    );
  }
  return (
    <div className="app">
      <header className={`top${headerRows ? ' two-rows' : ''}`} ref={top} data-rows={headerRows + 1}>
        <span className="brand">OR Hub</span>
        {simulated ? <span className="sim-badge">SIMULATED OR — NOT FOR CLINICAL USE</span> : null}
        <CaseBar />
        <LinkAlarm />
        <AlarmBar />
        <Clock />
        {onReview ? (
          <button className="review-open" data-testid="open-review" onClick={onReview} title="Review recordings in a new window (the live view keeps running)">
            Review
          </button>
        ) : null}
      </header>
      <DeviceStrip />
      {contractMismatch ? (
        <div className="contract-mismatch" role="alert" data-testid="contract-mismatch">
          {contractMismatch}
        </div>
      ) : connectError || !hubLive ? (
        <div className="conn-error" role="status" data-testid="conn-error">
          {connectError ?? 'No data from the hub: reconnecting\u2026'}
        </div>
      ) : (
        <div className="conn-ok" />
      )}
      <main className="main">
        <section className="vitals" data-testid="vitals">
          {WAVE_ROWS.map((r) => (
            <WaveRow key={r.id} spec={r} />
          ))}
          <div className="extra-tiles">
            {EXTRA_TILES.map((t) => (
              <NumericTile key={t.label} spec={t} testId={`tile-${t.label.toLowerCase()}`} />
            ))}
          </div>
        </section>
        <div className="right">
          <DevicePanels />
          <ImagesPatient />
          <section className="anatomy" id="anatomy-slot" data-testid="anatomy">
            <AnatomyView />
          </section>
        </div>
      </main>
      <TimelinePanel />
    </div>
  );
}
