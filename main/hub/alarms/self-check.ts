/**
 * The alarm system checks itself (IEC 60601-1-8 alarm-system failure): the hub's alarm loop
 * sends every display a heartbeat every ALARM_HEARTBEAT_MS (a display that misses it for
 * ALARM_HEARTBEAT_TIMEOUT_MS shows an alarm-system failure itself), and each display
 * confirms every alarm message and heartbeat by its sequence number. A display that has
 * confirmed nothing for ALARM_HEARTBEAT_TIMEOUT_MS is raised as a high technical alarm on
 * the board (`hub/tech/display-N`), cleared when it confirms again or disconnects.
 */
import { ALARM_HEARTBEAT_TIMEOUT_MS, type HubMessage } from '../../../common/display-contract';
import type { AlarmBoard } from '../alarm-board';

export interface CheckedClient {
  send(data: string): void;
}

type Peer = { id: number; lastAckMs: number };

export class AlarmSelfCheck {
  private seq = 0;
  private nextId = 1;
  private readonly peers = new Map<CheckedClient, Peer>();

  constructor(
    private readonly board: Pick<AlarmBoard, 'raise' | 'clear'>,
    private readonly now: () => number,
    private readonly pauseMs: number,
  ) {}

  /** The sequence number for the next alarm message or heartbeat. */
  nextSeq(): number {
    return ++this.seq;
  }

  add(c: CheckedClient): number {
    const id = this.nextId++;
    this.peers.set(c, { id, lastAckMs: this.now() });
    return id;
  }

  remove(c: CheckedClient): void {
    const p = this.peers.get(c);
    if (!p) return;
    this.peers.delete(c);
    this.board.clear(this.ref(p.id), this.now());
  }

  /** The display confirmed the message with this seq (a seq never sent is ignored). */
  received(c: CheckedClient, seq: unknown): void {
    const p = this.peers.get(c);
    if (!p || typeof seq !== 'number' || !(seq > 0 && seq <= this.seq)) return;
    p.lastAckMs = this.now();
    this.board.clear(this.ref(p.id), p.lastAckMs);
  }

  /** Sends the heartbeat to every display and raises the failure of those that stopped confirming. */
  beat(): void {
    const t = this.now();
    const m = JSON.stringify({ t: 'alarm-heartbeat', seq: this.nextSeq(), hubTimeMs: t, pauseMs: this.pauseMs } satisfies HubMessage);
    for (const [c, p] of this.peers) {
      c.send(m);
      if (t - p.lastAckMs > ALARM_HEARTBEAT_TIMEOUT_MS) {
        this.board.raise({ ...this.ref(p.id), priority: 'high', text: `Alarm system failure: display ${p.id} does not confirm alarm messages`, tHubMs: t });
      }
    }
  }

  private ref(id: number) {
    return { source: 'hub', kind: 'technical' as const, code: `display-${id}` };
  }
}
