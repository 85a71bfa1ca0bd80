/**
 * The DOM of one slice view (slice-view.ts): the root, the image canvas, the title in the view's
 * colour, the orientation labels, the value readout, and the slice-scroll and fit buttons.
 */
import { viewLabels, type SliceOrientation } from '../../../common/geometry';

/** Each view's colour: its title, and its line in the other views' crosshair. */
export const COLOURS: Record<SliceOrientation, string> = { axial: '#4da3ff', coronal: '#3ce07a', sagittal: '#ffb000' };

export interface SliceChrome {
  root: HTMLDivElement;
  image: HTMLCanvasElement;
  readout: HTMLDivElement;
}

/** Builds the view's elements; the buttons call `scroll` (+1 next, -1 previous slice) and `fit`. */
export function buildSliceChrome(orientation: SliceOrientation, actions: { scroll(dir: number): void; fit(): void }): SliceChrome {
  const root = document.createElement('div');
  root.className = `slice-view slice-${orientation}`;
  root.dataset.testid = `slice-${orientation}`;
  const image = document.createElement('canvas');
  image.className = 'slice-image';
  image.dataset.testid = `slice-${orientation}-image`;
  const readout = document.createElement('div');
  readout.className = 'slice-readout';
  readout.dataset.testid = `slice-${orientation}-readout`;
  const title = document.createElement('div');
  title.className = 'slice-title';
  title.style.color = COLOURS[orientation];
  title.textContent = orientation[0].toUpperCase() + orientation.slice(1);
  const labels = viewLabels(orientation);
  const labelEls = (['left', 'right', 'top', 'bottom'] as const).map((pos, i) => {
    const d = document.createElement('div');
    d.className = `orient-label orient-${pos}`;
    d.dataset.testid = `slice-${orientation}-label-${pos}`;
    d.textContent = labels[i];
    return d;
  });
  const buttons = document.createElement('div');
  buttons.className = 'slice-scroll';
  for (const [txt, dir, label] of [
    ['▲', 1, 'next slice'],
    ['▼', -1, 'previous slice'],
  ] as const) {
    const b = document.createElement('button');
    b.textContent = txt;
    b.title = label;
    b.setAttribute('aria-label', `${orientation} ${label}`);
    b.addEventListener('click', () => actions.scroll(dir));
    buttons.append(b);
  }
  const fit = document.createElement('button');
  fit.textContent = '⤢';
  fit.title = 'fit the slice to the view (reset zoom and pan)';
  fit.setAttribute('aria-label', `${orientation} fit view`);
  fit.dataset.testid = `slice-${orientation}-fit`;
  fit.addEventListener('click', () => actions.fit());
  buttons.append(fit);
  root.append(image, title, ...labelEls, readout, buttons);
  return { root, image, readout };
}
