/**
 * When an entry happened, as the case log says it (issue 12 §4): the time of day for today, the
 * date too for any other day ("3 Dec 23:41:07"; "3 Dec 2025 23:41:07" in another year), in the
 * display's time zone. Today is the day of `nowMs` (hub time, Unix ms). Pure.
 */
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** "23:41:07" in the display's time zone. */
export function timeOfDay(tMs: number): string {
  const d = new Date(tMs);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** The time of day when `tMs` is on the same local day as `nowMs`, else with its date. */
export function entryWhen(tMs: number, nowMs: number): string {
  const d = new Date(tMs);
  const now = new Date(nowMs);
  const sameYear = d.getFullYear() === now.getFullYear();
  if (sameYear && d.getMonth() === now.getMonth() && d.getDate() === now.getDate()) return timeOfDay(tMs);
  return `${d.getDate()} ${MONTHS[d.getMonth()]}${sameYear ? '' : ` ${d.getFullYear()}`} ${timeOfDay(tMs)}`;
}

/** Always with the date and year, 24 h: "4 Dec 2026 21:28:04" (recording lists, reviewers' comments). */
export function dateTime(tMs: number): string {
  const d = new Date(tMs);
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${timeOfDay(tMs)}`;
}
