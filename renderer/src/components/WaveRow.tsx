import { useEffect, useRef } from 'react';
import { useDisplay, findStream } from '../store';
import { waveEngine } from '../waves/engine';
import type { WaveRowSpec } from '../layout';
import { NumericTile } from './Tiles';

/** One monitor row: the sweeping waveform and its numerics. */
export function WaveRow({ spec }: { spec: WaveRowSpec }) {
  const stream = useDisplay((s) => findStream(s, spec.wave, 'wave'));
  // The numerics come by their MDC code from whatever device sends them: a row shows for the tile alone (no waveform).
  const tileStream = useDisplay((s) => findStream(s, spec.tile.mdc ?? spec.tile.sysDiaMean![0], 'numeric'));
  const state = useDisplay((s) => (stream ? s.devices.get(stream.deviceId)?.state : undefined));
  const canvas = useRef<HTMLCanvasElement>(null);
  const streamId = stream?.streamId;
  const rate = stream?.channel.rateHz ?? 125;
  useEffect(() => {
    if (streamId === undefined || !canvas.current) return;
    waveEngine.trace(streamId, { color: spec.color, mmPerS: spec.mmPerS, range: spec.range }, rate);
    return waveEngine.attach(streamId, canvas.current);
  }, [streamId, rate, spec]);
  const hubLive = useDisplay((s) => s.hubLive);
  const live = (stream ? state === 'online' : true) && hubLive;
  useEffect(() => {
    if (streamId !== undefined) waveEngine.setLive(streamId, live);
  }, [streamId, live]);
  if (!stream && !tileStream) return null;
  return (
    <div className={`wave-row ${live ? '' : 'not-live'}`} data-testid={`row-${spec.id}`}>
      <div className="wave-area">
        <span className="wave-label" style={{ color: live ? spec.color : undefined }}>
          {spec.label}
        </span>
        {stream ? (
          <canvas ref={canvas} className="wave-canvas" data-testid={`wave-${spec.id}`} data-stream={streamId} />
        ) : (
          <div className="wave-none">no waveform</div>
        )}
        {!live ? <div className="wave-overlay">{!hubLive ? 'NO DATA FROM HUB' : state === 'stale' ? 'NO DATA' : 'OFFLINE'}</div> : null}
      </div>
      <NumericTile spec={spec.tile} testId={`tile-${spec.id}`} />
      {spec.small?.length ? (
        <div className="small-tiles">
          {spec.small.map((t) => (
            <NumericTile key={t.label} spec={t} size="small" testId={`tile-${spec.id}-${t.label.toLowerCase()}`} />
          ))}
        </div>
      ) : (
        <div className="small-tiles" />
      )}
    </div>
  );
}
