/**
 * The alarm engine in a running hub: the engine as a sink of the hub, its alarm loop (tick
 * every 100 ms, heartbeat every ALARM_HEARTBEAT_MS), alarms sent to the displays (one
 * 'alarms' message per event-loop turn with changes, with a seq the displays confirm),
 * every state change recorded with the case, and its HTTP routes.
 */
import { ALARM_HEARTBEAT_MS, type ClientMessage, type HubMessage } from '../../../common/display-contract';
import type { ApiRouter } from '../api-router';
import type { DisplaySink } from '../display-sink';
import type { FaultCounter } from '../guard';
import type { Hub } from '../hub';
import type { AlarmChange } from './state';
import { AlarmEngine, type EngineOptions } from './engine';
import { alarmRoutes } from './routes';
import { AlarmSelfCheck, type CheckedClient } from './self-check';

export const ALARM_TICK_MS = 100;

export interface AlarmServiceOptions {
  hub: Hub;
  display: DisplaySink;
  router: ApiRouter;
  now: () => number;
  faults: FaultCounter;
  /** Where each state change is recorded (the case recorder, when one is recording). */
  record: (c: AlarmChange) => void;
  timing?: EngineOptions['timing'];
}

export class AlarmService {
  readonly engine: AlarmEngine;
  readonly selfCheck: AlarmSelfCheck;
  private readonly timers: NodeJS.Timeout[] = [];
  private scheduled = false;

  constructor(private readonly opts: AlarmServiceOptions) {
    this.engine = new AlarmEngine({ board: opts.hub.alarms, now: opts.now, timing: opts.timing });
    this.selfCheck = new AlarmSelfCheck(opts.hub.alarms, opts.now, this.engine.timing.pauseMs);
    opts.hub.addSink(this.engine);
    this.engine.onChange((c) => {
      opts.record(c);
      if (c.action === 'limit-changed') this.limitsChanged();
      else this.schedule();
    });
    alarmRoutes(opts.router, this.engine, () => this.items());
  }

  start(): void {
    const { faults } = this.opts;
    this.timers.push(faults.interval('alarm-tick', () => this.engine.tick(), ALARM_TICK_MS));
    this.timers.push(faults.interval('alarm-heartbeat', () => this.selfCheck.beat(), ALARM_HEARTBEAT_MS));
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
  }

  items() {
    return this.engine.items(this.opts.display.streamIdOf);
  }

  /** The messages a new display starts with. */
  snapshot(): HubMessage[] {
    return [this.alarmsMessage(), { t: 'alarm-limits', limits: this.engine.limits.views() }];
  }

  addClient(c: CheckedClient): void {
    this.selfCheck.add(c);
  }

  removeClient(c: CheckedClient): void {
    this.selfCheck.remove(c);
  }

  /** A display's message; true when it was the alarm system's. */
  onClientMessage(c: CheckedClient, m: ClientMessage): boolean {
    if (m.t !== 'alarm-received') return false;
    this.selfCheck.received(c, m.seq);
    return true;
  }

  /** Limits changed (routes): every display gets them. */
  limitsChanged(): void {
    this.opts.display.broadcast({ t: 'alarm-limits', limits: this.engine.limits.views() });
  }

  private alarmsMessage(): HubMessage {
    return { t: 'alarms', items: this.items(), seq: this.selfCheck.nextSeq() };
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.opts.display.broadcast(this.alarmsMessage());
    });
  }
}
