/**
 * Orientation aids: edge labels (L/R/A/P/S/I) for any view direction and the small orientation
 * cube of the 3D view. Pure drawing helpers over a 2D canvas context.
 */
import type { Vec3 } from '../../../common/geometry';

const LETTERS: [string, string][] = [
  ['R', 'L'],
  ['A', 'P'],
  ['I', 'S'],
];

/** Patient-direction label of a screen direction: dominant axis first, a second letter when oblique (e.g. "LA"). */
export function orientationLabel(d: Vec3, obliqueThreshold = 0.38): string {
  const order = [0, 1, 2].sort((a, b) => Math.abs(d[b]) - Math.abs(d[a]));
  let s = LETTERS[order[0]][d[order[0]] >= 0 ? 1 : 0];
  if (Math.abs(d[order[1]]) >= obliqueThreshold) s += LETTERS[order[1]][d[order[1]] >= 0 ? 1 : 0];
  return s;
}

/** Faces of the patient cube: outward normal (LPS) and letter. */
const FACES: { n: Vec3; letter: string }[] = [
  { n: [1, 0, 0], letter: 'L' },
  { n: [-1, 0, 0], letter: 'R' },
  { n: [0, 1, 0], letter: 'P' },
  { n: [0, -1, 0], letter: 'A' },
  { n: [0, 0, 1], letter: 'S' },
  { n: [0, 0, -1], letter: 'I' },
];

/**
 * Draws the orientation cube: `right`, `up`, `toViewer` are the screen axes as patient directions
 * (unit vectors). Centre (cx, cy), half-size r pixels.
 */
export function drawOrientationCube(g: CanvasRenderingContext2D, right: Vec3, up: Vec3, toViewer: Vec3, cx: number, cy: number, r: number): void {
  const proj = (p: Vec3): [number, number, number] => [
    cx + r * (p[0] * right[0] + p[1] * right[1] + p[2] * right[2]),
    cy - r * (p[0] * up[0] + p[1] * up[1] + p[2] * up[2]),
    p[0] * toViewer[0] + p[1] * toViewer[1] + p[2] * toViewer[2],
  ];
  const faces = FACES.map((f) => {
    const depth = f.n[0] * toViewer[0] + f.n[1] * toViewer[1] + f.n[2] * toViewer[2];
    // Face corners: two axes orthogonal to n.
    const a: Vec3 = f.n[0] !== 0 ? [0, 1, 0] : [1, 0, 0];
    const b: Vec3 = f.n[2] !== 0 ? [0, 1, 0] : [0, 0, 1];
    const corners = [
      [1, 1],
      [1, -1],
      [-1, -1],
      [-1, 1],
    ].map(([s, t]) =>
      proj([f.n[0] * 0.6 + a[0] * s * 0.6 + b[0] * t * 0.6, f.n[1] * 0.6 + a[1] * s * 0.6 + b[1] * t * 0.6, f.n[2] * 0.6 + a[2] * s * 0.6 + b[2] * t * 0.6]),
    );
    return { ...f, depth, corners, centre: proj([f.n[0] * 0.6, f.n[1] * 0.6, f.n[2] * 0.6]) };
  });
  faces.sort((p, q) => p.depth - q.depth);
  g.save();
  g.lineWidth = 1;
  g.font = `bold ${Math.round(r * 0.55)}px sans-serif`;
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  for (const f of faces) {
    if (f.depth <= 0.02) continue;
    g.beginPath();
    f.corners.forEach(([x, y], i) => (i ? g.lineTo(x, y) : g.moveTo(x, y)));
    g.closePath();
    const shade = 0.35 + 0.5 * f.depth;
    g.fillStyle = `rgba(${Math.round(60 * shade + 30)}, ${Math.round(90 * shade + 30)}, ${Math.round(130 * shade + 40)}, 0.92)`;
    g.fill();
    g.strokeStyle = '#9fb3c8';
    g.stroke();
    if (f.depth > 0.3) {
      g.fillStyle = '#fff';
      g.fillText(f.letter, f.centre[0], f.centre[1]);
    }
  }
  g.restore();
}
