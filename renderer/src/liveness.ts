/**
 * The display's own technical alarm (issue 13 §2): when it has heard nothing from the hub for
 * HUB_LOST_AFTER_MS it cannot show current data, and says so, visibly (LinkAlarm.tsx) and audibly
 * (a high-priority pattern after IEC 60601-1-8: 3 + 2 pulses, repeated), until the hub is back.
 * It also stops the waveforms (every canvas cleared). The alarm system (AlarmBar, issue 15) may
 * take this over: `displayAlarm()` is the state, `useDisplayAlarm` the React hook.
 */
import { HUB_LOST_AFTER_MS } from '../../common/display-contract';
import { createStore } from './create-store';
import { getState, subscribe } from './store';
import { waveEngine } from './waves/engine';

export interface DisplayAlarmState {
  /** The display cannot show current data (hub lost, or never reached). */
  active: boolean;
  /** The words on the banner. */
  text: string;
  /** The audible signal is playing (false where the browser refuses audio before a user gesture). */
  sounding: boolean;
  /** The AudioContext's state ('running', 'suspended'), or 'none' when Web Audio is missing. */
  audio: string;
}

const PULSE_STARTS_S = [0, 0.2, 0.4, 0.9, 1.1];
const PULSE_S = 0.12;
const REPEAT_MS = 3000;

let ctx: AudioContext | null = null;
let repeat: ReturnType<typeof setInterval> | undefined;
const alarmStore = createStore<DisplayAlarmState>({ active: false, text: '', sounding: false, audio: 'none' });
const setAlarm = alarmStore.set;

function audioContext(): AudioContext | null {
  if (ctx) return ctx;
  const Ctor = (window as unknown as { AudioContext?: typeof AudioContext }).AudioContext;
  if (!Ctor) return null;
  ctx = new Ctor();
  return ctx;
}

function burst(ac: AudioContext): void {
  const t0 = ac.currentTime + 0.02;
  for (const s of PULSE_STARTS_S) {
    const osc = ac.createOscillator();
    const gain = ac.createGain();
    osc.type = 'square';
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0, t0 + s);
    gain.gain.linearRampToValueAtTime(0.25, t0 + s + 0.01);
    gain.gain.setValueAtTime(0.25, t0 + s + PULSE_S - 0.01);
    gain.gain.linearRampToValueAtTime(0, t0 + s + PULSE_S);
    osc.connect(gain).connect(ac.destination);
    osc.start(t0 + s);
    osc.stop(t0 + s + PULSE_S + 0.01);
  }
}

function startSound(): void {
  const ac = audioContext();
  if (!ac) return setAlarm({ sounding: false, audio: 'none' });
  void ac.resume().catch(() => undefined);
  const play = () => {
    if (ac.state === 'running') burst(ac);
    setAlarm({ sounding: ac.state === 'running', audio: ac.state });
  };
  play();
  repeat = setInterval(play, REPEAT_MS);
}

function stopSound(): void {
  clearInterval(repeat);
  repeat = undefined;
  setAlarm({ sounding: false, audio: ctx?.state ?? 'none' });
}

export const displayAlarm = alarmStore.get;
/** React hook: the selected part of the display's own alarm. */
export const useDisplayAlarm = alarmStore.use;

/** Starts watching the store (main.tsx, once). A page that has not reached the hub at all alarms too, after the same delay. */
export function startLiveness(): void {
  const startedMs = performance.now();
  const update = () => {
    const s = getState();
    waveEngine.setHubLive(s.hubLive);
    // A hub heard once and lost: at once. A page that has not heard a hub yet: after the same 2 heartbeats.
    const lost = !s.hubLive && !s.contractMismatch && (s.hubId !== null || performance.now() - startedMs >= HUB_LOST_AFTER_MS);
    if (lost === displayAlarm().active) return;
    if (lost) {
      setAlarm({ active: true, text: s.tokenRefused ? 'DISPLAY REFUSED BY THE HUB: NO CURRENT DATA' : 'NO DATA FROM THE HUB: VALUES NOT CURRENT' });
      startSound();
    } else {
      setAlarm({ active: false, text: '' });
      stopSound();
    }
  };
  subscribe(update);
  setInterval(update, 250);
}
