/** UCUM codes as a clinician reads them on a monitor. Pure. */
const DISPLAY: Record<string, string> = {
  'mm[Hg]': 'mmHg',
  'cm[H2O]': 'cmH₂O',
  Cel: '°C',
  '/min': '/min',
  '%': '%',
  '1': '',
  'mL/h': 'mL/h',
  'L/min': 'L/min',
  'mmol/L': 'mmol/L',
  '[pH]': '',
};

export function ucumDisplay(unit: string): string {
  return DISPLAY[unit] ?? unit;
}

/** Formats a numeric value with a sensible number of decimals for its unit. */
export function formatValue(v: number, unit: string): string {
  if (unit === '[pH]') return v.toFixed(2);
  if (unit === 'Cel' || unit === 'mmol/L' || unit === 'L' || unit === 'L/min') return v.toFixed(1);
  if (Math.abs(v) < 10 && !Number.isInteger(v)) return v.toFixed(1);
  return Math.round(v).toString();
}
