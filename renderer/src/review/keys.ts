import { useEffect } from 'react';
import { player } from './player';
import type { Speed } from './review-clock';

const SPEED_KEYS: Record<string, Speed> = { '1': 1, '2': 2, '5': 5, '0': 10 };

/** Review shortcuts: space play/pause, ←/→ frame step (shift: 10 s), +/- zoom, 1/2/5/0 speed 1x/2x/5x/10x. Not while typing. */
export function useReviewKeys(): void {
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return;
      if (e.key === ' ') player.toggle();
      else if (e.key === 'ArrowLeft') e.shiftKey ? void player.seek(player.clock.now() - 10000) : player.step(-1);
      else if (e.key === 'ArrowRight') e.shiftKey ? void player.seek(player.clock.now() + 10000) : player.step(1);
      else if (e.key === '+' || e.key === '=') player.zoom(0.5);
      else if (e.key === '-') player.zoom(2);
      else if (e.key in SPEED_KEYS) player.setSpeed(SPEED_KEYS[e.key]);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, []);
}
