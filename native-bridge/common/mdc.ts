/**
 * IEEE 11073-10101 nomenclature used by OR Hub's simulators and adapters, with UCUM units.
 * Reference ids are normative; numeric context-free codes (partition << 16 | term code,
 * partition 2 = SCADA) are given only where checked against a published table (HL7 FHIR's
 * DeviceMetric type value set, IHE PCD-01 examples); the others are left for the adapter
 * of a real device to fill in from its vendor's mapping.
 * Pure: runs anywhere.
 */

export interface MdcTerm {
  mdc: string;
  code?: number;
  /** UCUM unit. */
  unit: string;
  label: string;
}

export const MDC = {
  // Waveforms
  ECG_II: { mdc: 'MDC_ECG_ELEC_POTL_II', code: 131330, unit: 'mV', label: 'ECG II' },
  PLETH: { mdc: 'MDC_PULS_OXIM_PLETH', code: 150452, unit: '1', label: 'Pleth' },
  ABP: { mdc: 'MDC_PRESS_BLD_ART_ABP', code: 150036, unit: 'mm[Hg]', label: 'ABP' },
  CO2_WAVE: { mdc: 'MDC_AWAY_CO2', unit: 'mm[Hg]', label: 'CO2' },
  AWAY_PRESS: { mdc: 'MDC_PRESS_AWAY', unit: 'cm[H2O]', label: 'Paw' },
  AWAY_FLOW: { mdc: 'MDC_FLOW_AWAY', unit: 'L/min', label: 'Flow' },
  // Patient monitor numerics
  HR: { mdc: 'MDC_ECG_HEART_RATE', code: 147842, unit: '/min', label: 'HR' },
  SPO2: { mdc: 'MDC_PULS_OXIM_SAT_O2', code: 150456, unit: '%', label: 'SpO2' },
  PR: { mdc: 'MDC_PULS_OXIM_PULS_RATE', code: 149530, unit: '/min', label: 'PR' },
  ABP_SYS: { mdc: 'MDC_PRESS_BLD_ART_ABP_SYS', code: 150037, unit: 'mm[Hg]', label: 'ABP sys' },
  ABP_DIA: { mdc: 'MDC_PRESS_BLD_ART_ABP_DIA', code: 150038, unit: 'mm[Hg]', label: 'ABP dia' },
  ABP_MEAN: { mdc: 'MDC_PRESS_BLD_ART_ABP_MEAN', code: 150039, unit: 'mm[Hg]', label: 'ABP mean' },
  NIBP_SYS: { mdc: 'MDC_PRESS_BLD_NONINV_SYS', code: 150021, unit: 'mm[Hg]', label: 'NIBP sys' },
  NIBP_DIA: { mdc: 'MDC_PRESS_BLD_NONINV_DIA', code: 150022, unit: 'mm[Hg]', label: 'NIBP dia' },
  NIBP_MEAN: { mdc: 'MDC_PRESS_BLD_NONINV_MEAN', code: 150023, unit: 'mm[Hg]', label: 'NIBP mean' },
  ETCO2: { mdc: 'MDC_AWAY_CO2_ET', code: 151708, unit: 'mm[Hg]', label: 'EtCO2' },
  RESP_RATE: { mdc: 'MDC_RESP_RATE', code: 151562, unit: '/min', label: 'RR' },
  TEMP: { mdc: 'MDC_TEMP_BODY', code: 150364, unit: 'Cel', label: 'Temp' },
  // Anaesthesia machine
  FIO2: { mdc: 'MDC_CONC_AWAY_O2_INSP', unit: '%', label: 'FiO2' },
  ETO2: { mdc: 'MDC_CONC_AWAY_O2_ET', unit: '%', label: 'EtO2' },
  ET_AGENT: { mdc: 'MDC_CONC_AWAY_SEVOFL_ET', unit: '%', label: 'Et Sevo' },
  MAC: { mdc: 'MDC_CONC_MAC', unit: '1', label: 'MAC' },
  TIDAL_VOL: { mdc: 'MDC_VOL_AWAY_TIDAL', unit: 'mL', label: 'TVe' },
  PEEP: { mdc: 'MDC_PRESS_AWAY_END_EXP_POS', unit: 'cm[H2O]', label: 'PEEP' },
  PEAK_PRESS: { mdc: 'MDC_PRESS_AWAY_INSP_PEAK', unit: 'cm[H2O]', label: 'Ppeak' },
  VENT_RATE: { mdc: 'MDC_VENT_RESP_RATE', code: 151586, unit: '/min', label: 'RRvent' },
  SET_TIDAL_VOL: { mdc: 'MDC_VENT_VOL_TIDAL_SETTING', unit: 'mL', label: 'TV set' },
  SET_PEEP: { mdc: 'MDC_VENT_PRESS_AWAY_END_EXP_POS_SETTING', unit: 'cm[H2O]', label: 'PEEP set' },
  SET_VENT_RATE: { mdc: 'MDC_VENT_RESP_RATE_SETTING', unit: '/min', label: 'RR set' },
  SET_FIO2: { mdc: 'MDC_VENT_CONC_AWAY_O2_INSP_SETTING', unit: '%', label: 'FiO2 set' },
  SET_AGENT: { mdc: 'MDC_VAPORIZER_AGENT_SETTING', unit: '%', label: 'Agent set' },
  // Infusion pump
  PUMP_RATE: { mdc: 'MDC_FLOW_FLUID_PUMP', unit: 'mL/h', label: 'Rate' },
  PUMP_VOL_INFUSED: { mdc: 'MDC_VOL_FLUID_DELIV', unit: 'mL', label: 'Vol infused' },
  PUMP_DRUG: { mdc: 'MDC_DRUG_NAME_TYPE', unit: '', label: 'Drug' },
  PUMP_RATE_SETTING: { mdc: 'MDC_FLOW_FLUID_PUMP_SETTING', unit: 'mL/h', label: 'Rate set' },
  // Electrosurgical unit
  ESU_MODE: { mdc: 'MDC_ESU_MODE_SETTING', unit: '', label: 'Mode' },
  ESU_POWER: { mdc: 'MDC_ESU_POWER_SETTING', unit: 'W', label: 'Power set' },
  ESU_ACTIVE: { mdc: 'MDC_ESU_ACTIVATION', unit: '1', label: 'Active' },
  // Insufflator
  INSUF_PRESS_SET: { mdc: 'MDC_INSUF_PRESS_SETTING', unit: 'mm[Hg]', label: 'IAP set' },
  INSUF_PRESS: { mdc: 'MDC_INSUF_PRESS', unit: 'mm[Hg]', label: 'IAP' },
  INSUF_FLOW: { mdc: 'MDC_INSUF_FLOW', unit: 'L/min', label: 'Flow' },
  INSUF_VOL: { mdc: 'MDC_INSUF_VOL', unit: 'L', label: 'CO2 vol' },
  // Point-of-care lab
  GLUCOSE: { mdc: 'MDC_CONC_GLU_GEN', unit: 'mmol/L', label: 'Glucose' },
  LACTATE: { mdc: 'MDC_CONC_LACT_GEN', unit: 'mmol/L', label: 'Lactate' },
  POTASSIUM: { mdc: 'MDC_CONC_POTASSIUM_GEN', unit: 'mmol/L', label: 'K+' },
  PH: { mdc: 'MDC_CONC_PH_ART', unit: '[pH]', label: 'pH' },
  PO2: { mdc: 'MDC_PRESS_BLD_ART_O2', unit: 'mm[Hg]', label: 'pO2' },
  PCO2: { mdc: 'MDC_PRESS_BLD_ART_CO2', unit: 'mm[Hg]', label: 'pCO2' },
  // Serial monitors (Ivy 450C): further leads, generic invasive pressures and temperatures
  ECG_I: { mdc: 'MDC_ECG_ELEC_POTL_I', code: 131329, unit: 'mV', label: 'ECG I' },
  ECG_III: { mdc: 'MDC_ECG_ELEC_POTL_III', code: 131389, unit: 'mV', label: 'ECG III' },
  RESP_WAVE: { mdc: 'MDC_IMPED_TTHOR', unit: '1', label: 'Resp' },
  PRESS_BLD: { mdc: 'MDC_PRESS_BLD', unit: 'mm[Hg]', label: 'P' },
  PRESS_BLD_SYS: { mdc: 'MDC_PRESS_BLD_SYS', unit: 'mm[Hg]', label: 'P sys' },
  PRESS_BLD_DIA: { mdc: 'MDC_PRESS_BLD_DIA', unit: 'mm[Hg]', label: 'P dia' },
  PRESS_BLD_MEAN: { mdc: 'MDC_PRESS_BLD_MEAN', unit: 'mm[Hg]', label: 'P mean' },
  NIBP_PULSE: { mdc: 'MDC_PULS_RATE_NON_INV', unit: '/min', label: 'NIBP PR' },
  TEMP_GENERIC: { mdc: 'MDC_TEMP', unit: 'Cel', label: 'T' },
  ECG_LEAD: { mdc: 'MDC_ECG_LEAD_SETTING', unit: '', label: 'ECG lead' },
  // Navigation
  POSE_INSTRUMENT: { mdc: 'MDC_NAV_POSE_INSTRUMENT', unit: 'mm', label: 'Pointer' },
  POSE_REFERENCE: { mdc: 'MDC_NAV_POSE_REFERENCE', unit: 'mm', label: 'Reference' },
} as const satisfies Record<string, MdcTerm>;

export type MdcKey = keyof typeof MDC;

/** Private (vendor) terms OR Hub defines: MDC reference ids of the "MDC_" form cannot express them. */
export const MDC_PRIVATE_NOTE =
  'Terms without a numeric code are OR Hub private extensions spelled in the 10101 style; map them to the vendor code when adapting a real device.';
