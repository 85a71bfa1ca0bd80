/**
 * Auditory alarm signals through Web Audio, with IEC 60601-1-8 burst patterns (§201.6.3.3):
 * - high: 10 pulses, 3 + 2, a pause, 3 + 2; pulses 150 ms (75-200), burst repeated every 10 s (2.5-15 s);
 * - medium: 3 pulses of 200 ms (125-250), repeated every 15 s (2.5-30 s);
 * - low: 2 pulses of 200 ms, repeated every 20 s;
 * each pulse a 440 Hz (high, medium) or 330 Hz (low) fundamental with 4 harmonics (150-1000 Hz,
 * at least 4 harmonics), with 20 ms rise and fall. Only the highest-priority alarm that is
 * active, not acknowledged, not off and not audio-paused sounds. The display may be muted
 * (or the browser may refuse audio): the banner then says so permanently.
 */
import type { AlarmItem, AlarmPriorityName } from '../../common/display-contract';

export interface Pulse {
  /** Onset from the burst's start, s. */
  at: number;
  /** Duration, s. */
  dur: number;
}

export interface BurstPattern {
  pulses: Pulse[];
  /** Burst onset to next burst onset, s. */
  repeatS: number;
  fundamentalHz: number;
}

const spaced = (onsets: number[], dur: number): Pulse[] => onsets.map((at) => ({ at, dur }));

/** The burst of each priority (see the file comment). */
export const BURSTS: Record<Exclude<AlarmPriorityName, 'info'>, BurstPattern> = {
  // 3 pulses 250 ms apart, 2 more after a 400 ms gap; 1 s pause; then the same again.
  high: { pulses: spaced([0, 0.25, 0.5, 0.9, 1.15, 2.3, 2.55, 2.8, 3.2, 3.45], 0.15), repeatS: 10, fundamentalHz: 440 },
  medium: { pulses: spaced([0, 0.35, 0.7], 0.2), repeatS: 15, fundamentalHz: 440 },
  low: { pulses: spaced([0, 0.35], 0.2), repeatS: 20, fundamentalHz: 330 },
};

const RANK: Record<AlarmPriorityName, number> = { high: 3, medium: 2, low: 1, info: 0 };

/** The priority that should sound now (null: silence). */
export function audiblePriority(alarms: readonly AlarmItem[], hubNowMs: number): Exclude<AlarmPriorityName, 'info'> | null {
  let best: AlarmItem | null = null;
  for (const a of alarms) {
    const e = a.engine;
    if (!a.active || a.priority === 'info' || (e && (e.acknowledged || e.off || (e.audioPausedUntilHubMs !== null && e.audioPausedUntilHubMs > hubNowMs))))
      continue;
    if (!best || RANK[a.priority] > RANK[best.priority]) best = a;
  }
  return best ? (best.priority as Exclude<AlarmPriorityName, 'info'>) : null;
}

/** Plays bursts of one priority at a time; `set` changes what sounds (a new priority starts a burst at once). */
export class AlarmAudio {
  private ctx: AudioContext | null = null;
  private wave: PeriodicWave | null = null;
  private playing: Exclude<AlarmPriorityName, 'info'> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Muted on this display by the team. */
  muted = false;

  /** True when the browser lets this display make sound (an AudioContext runs). */
  get running(): boolean {
    return this.ctx?.state === 'running';
  }

  /** Creates (or resumes) the AudioContext; call from a user gesture where the browser requires one. */
  unlock(): void {
    try {
      this.ctx ??= new AudioContext();
      void this.ctx.resume();
    } catch {
      this.ctx = null;
    }
  }

  set(priority: Exclude<AlarmPriorityName, 'info'> | null): void {
    if (this.muted) priority = null;
    if (priority === this.playing) return;
    this.playing = priority;
    clearTimeout(this.timer);
    if (priority) this.burst(priority);
  }

  private burst(priority: Exclude<AlarmPriorityName, 'info'>): void {
    const p = BURSTS[priority];
    this.unlock();
    const ctx = this.ctx;
    if (ctx) {
      // Partials 1..5: the fundamental and 4 harmonics, falling in amplitude.
      this.wave ??= ctx.createPeriodicWave(new Float32Array([0, 0, 0, 0, 0, 0]), new Float32Array([0, 1, 0.6, 0.45, 0.35, 0.25]));
      const t0 = ctx.currentTime + 0.02;
      for (const pulse of p.pulses) {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.setPeriodicWave(this.wave);
        osc.frequency.value = p.fundamentalHz;
        const a = t0 + pulse.at;
        gain.gain.setValueAtTime(0, a);
        gain.gain.linearRampToValueAtTime(0.3, a + 0.02);
        gain.gain.setValueAtTime(0.3, a + pulse.dur - 0.02);
        gain.gain.linearRampToValueAtTime(0, a + pulse.dur);
        osc.connect(gain).connect(ctx.destination);
        osc.start(a);
        osc.stop(a + pulse.dur);
      }
    }
    this.timer = setTimeout(() => this.playing === priority && this.burst(priority), p.repeatS * 1000);
  }
}

export const alarmAudio = new AlarmAudio();
