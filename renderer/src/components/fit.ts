import { useLayoutEffect, useState, type RefObject } from 'react';

/**
 * Shrink-to-fit for a box that must not scroll or clip (issue 13 §3): returns a step 0..steps-1 that goes up while
 * the box's content overflows it, or one of its `parts` (a selector) overflows; the caller packs tighter at each step.
 * `overflow`: it still overflows at the last step (an enclosing fit can read that as data-fit-overflow). It starts
 * loose again when `key` changes (content that may need less room) and when the window is resized.
 */
export function useFitStep(box: RefObject<HTMLElement | null>, steps: number, key: string, parts?: string): { step: number; overflow: boolean } {
  const [step, setStep] = useState(0);
  const [overflow, setOverflow] = useState(false);
  useLayoutEffect(() => setStep(0), [key]);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const check = () => {
      const over = [el, ...(parts ? el.querySelectorAll<HTMLElement>(parts) : [])].some(
        // A part that is itself a fit at its last step and still overflowing (data-fit-overflow) counts too.
        (e) => (e !== el && e.dataset.fitOverflow === 'true') || e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1,
      );
      if (over && step < steps - 1) setStep(step + 1);
      setOverflow(over && step === steps - 1);
    };
    check();
    // The box resized, or its content changed without resizing it (a notice or an alarm added, a value longer).
    const ro = new ResizeObserver(check);
    ro.observe(el);
    const mo = new MutationObserver(check);
    mo.observe(el, { childList: true, subtree: true, characterData: true, attributeFilter: ['data-fit-overflow'] });
    return () => {
      ro.disconnect();
      mo.disconnect();
    };
  }, [box, step, steps, key, parts]);
  useLayoutEffect(() => {
    const reset = () => setStep(0);
    window.addEventListener('resize', reset);
    return () => window.removeEventListener('resize', reset);
  }, []);
  return { step, overflow };
}
