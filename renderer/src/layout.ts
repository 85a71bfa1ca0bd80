/** The monitor layout: which waveform goes in which row, with which numerics and colours. Pure. */

/** Monitor colour conventions: ECG green, SpO2/pleth cyan, arterial pressure red, CO2 yellow. */
export const COLORS = {
  ecg: '#3cff5a',
  spo2: '#2ee6ff',
  abp: '#ff3b3b',
  co2: '#ffe227',
  resp: '#f0f0f0',
  nibp: '#e8e8e8',
  temp: '#f5a3ff',
  gas: '#b7ffb0',
} as const;

export interface TileSpec {
  label: string;
  color: string;
  /** Single value, or a pressure triple sys/dia (mean). */
  mdc?: string;
  sysDiaMean?: [string, string, string];
}

export interface WaveRowSpec {
  id: string;
  wave: string;
  label: string;
  color: string;
  mmPerS: number;
  range: [number, number] | null;
  tile: TileSpec;
  small?: TileSpec[];
}

export const WAVE_ROWS: WaveRowSpec[] = [
  {
    id: 'ecg',
    wave: 'MDC_ECG_ELEC_POTL_II',
    label: 'II',
    color: COLORS.ecg,
    mmPerS: 25,
    range: [-0.8, 1.6],
    tile: { label: 'HR', color: COLORS.ecg, mdc: 'MDC_ECG_HEART_RATE' },
  },
  {
    id: 'pleth',
    wave: 'MDC_PULS_OXIM_PLETH',
    label: 'Pleth',
    color: COLORS.spo2,
    mmPerS: 25,
    range: null,
    tile: { label: 'SpO₂', color: COLORS.spo2, mdc: 'MDC_PULS_OXIM_SAT_O2' },
    small: [{ label: 'PR', color: COLORS.spo2, mdc: 'MDC_PULS_OXIM_PULS_RATE' }],
  },
  {
    id: 'abp',
    wave: 'MDC_PRESS_BLD_ART_ABP',
    label: 'ABP',
    color: COLORS.abp,
    mmPerS: 25,
    range: [30, 170],
    tile: { label: 'ABP', color: COLORS.abp, sysDiaMean: ['MDC_PRESS_BLD_ART_ABP_SYS', 'MDC_PRESS_BLD_ART_ABP_DIA', 'MDC_PRESS_BLD_ART_ABP_MEAN'] },
  },
  {
    id: 'co2',
    wave: 'MDC_AWAY_CO2',
    label: 'CO₂',
    color: COLORS.co2,
    mmPerS: 6.25,
    range: [0, 50],
    tile: { label: 'EtCO₂', color: COLORS.co2, mdc: 'MDC_AWAY_CO2_ET' },
    small: [{ label: 'RR', color: COLORS.co2, mdc: 'MDC_RESP_RATE' }],
  },
  {
    id: 'paw',
    wave: 'MDC_PRESS_AWAY',
    label: 'Paw',
    color: COLORS.resp,
    mmPerS: 12.5,
    range: [0, 35],
    tile: { label: 'Ppeak', color: COLORS.resp, mdc: 'MDC_PRESS_AWAY_INSP_PEAK' },
    small: [{ label: 'PEEP', color: COLORS.resp, mdc: 'MDC_PRESS_AWAY_END_EXP_POS' }],
  },
];

export const EXTRA_TILES: TileSpec[] = [
  { label: 'NIBP', color: COLORS.nibp, sysDiaMean: ['MDC_PRESS_BLD_NONINV_SYS', 'MDC_PRESS_BLD_NONINV_DIA', 'MDC_PRESS_BLD_NONINV_MEAN'] },
  { label: 'Temp', color: COLORS.temp, mdc: 'MDC_TEMP_BODY' },
];
