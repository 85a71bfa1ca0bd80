import { useLayoutEffect, useState, type RefObject } from 'react';

/**
 * Shrink-to-fit for a box that must not scroll or clip (issue 13 §3): returns a step 0..steps-1 that goes up
 * while the box's content overflows it (the caller packs tighter at each step), and whether it still overflows
 * at the last step. It starts loose again when `key` changes (new content) and when the window is resized.
 */
export function useFitStep(box: RefObject<HTMLElement | null>, steps: number, key: string): { step: number; overflow: boolean } {
  const [step, setStep] = useState(0);
  const [overflow, setOverflow] = useState(false);
  useLayoutEffect(() => setStep(0), [key]);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const check = () => {
      const over = el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1;
      if (over && step < steps - 1) setStep(step + 1);
      setOverflow(over && step === steps - 1);
    };
    check();
    const ro = new ResizeObserver(check);
    ro.observe(el);
    return () => ro.disconnect();
  }, [box, step, steps, key]);
  useLayoutEffect(() => {
    const reset = () => setStep(0);
    window.addEventListener('resize', reset);
    return () => window.removeEventListener('resize', reset);
  }, []);
  return { step, overflow };
}
