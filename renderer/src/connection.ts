/** The display's WebSocket to the hub: JSON to the store, binary to the wave engine. Reconnects by itself. */
import { BinaryKind, WS_CLOSE_TOKEN_REFUSED, decodeBinary, type ClientMessage, type HubMessage, type PoseView } from '../../common/display-contract';
import { applyHubMessage, getState, setState } from './store';
import { waveEngine } from './waves/engine';
import { hubClock } from './hub-clock';

export type PoseListener = (poses: PoseView[]) => void;
const poseListeners = new Set<PoseListener>();

export function onPoses(l: PoseListener): () => void {
  poseListeners.add(l);
  return () => poseListeners.delete(l);
}

export type HubMessageListener = (m: HubMessage) => void;
const messageListeners = new Set<HubMessageListener>();

/** Every JSON message from the hub, after the store has applied it (for modules with their own state, e.g. anatomy). */
export function onHubMessage(l: HubMessageListener): () => void {
  messageListeners.add(l);
  return () => messageListeners.delete(l);
}

export function connect(token: string): void {
  let delay = 500;
  const open = () => {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    // The token goes in the first message, never in the URL (it would end up in logs).
    const ws = new WebSocket(`${proto}://${location.host}/ws`);
    ws.binaryType = 'arraybuffer';
    let pinger: ReturnType<typeof setInterval> | undefined;
    ws.onopen = () => {
      ws.send(JSON.stringify({ t: 'auth', token } satisfies ClientMessage));
      delay = 500;
      setState({ connected: true, connectError: null });
      pinger = setInterval(() => ws.send(JSON.stringify({ t: 'ping', clientTimeMs: Date.now() })), 2000);
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') {
        let m: HubMessage;
        try {
          m = JSON.parse(ev.data) as HubMessage;
        } catch {
          return;
        }
        // A hub of another contract version is not interpreted at all (the store shows why).
        if (!applyHubMessage(m)) return;
        if (m.t === 'hello' || m.t === 'time') hubClock.observe(m.hubTimeMs);
        // The alarm system's self-check: confirm every alarm message and heartbeat (main/hub/alarms/self-check.ts).
        if ((m.t === 'alarms' || m.t === 'alarm-heartbeat') && m.seq) ws.send(JSON.stringify({ t: 'alarm-received', seq: m.seq }));
        for (const l of messageListeners) l(m);
        return;
      }
      if (getState().contractMismatch) return;
      const d = decodeBinary(ev.data as ArrayBuffer);
      if (d.kind === BinaryKind.Wave) waveEngine.onBlocks(d.blocks);
      else if (d.kind === BinaryKind.Pose) for (const l of poseListeners) l(d.poses);
    };
    ws.onclose = (ev) => {
      clearInterval(pinger);
      const why = ev.code === WS_CLOSE_TOKEN_REFUSED ? 'session token refused' : ev.code === 1006 ? 'hub unreachable or session token refused' : `closed (${ev.code})`;
      setState({ connected: false, connectError: why });
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 5000);
    };
  };
  open();
}
