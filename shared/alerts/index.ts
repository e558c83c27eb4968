/** Public surface of the alert engine (pure). */
export { AlertEngine, initialAlertState, stepAlerts, visibleAlerts } from './engine';
export { evaluate, initialRuleState } from './hysteresis';
export { bucketMedians, forecastCrossing, median, robustTrend, theilSen, type CrossingForecast, type SeriesPoint, type Trend } from './forecast';
export type { AlertRule, AlertTransition, Rule, RuleState } from './rules';
export { alertSettingsSchema, defaultAlertSettings, parseAlertSettings, tiersForGpu, type AlertSettings, type GpuTiers } from './settings';
export * from './remedies';
export type { ActiveAlert, AlertBackendInput, AlertEngineState, AlertModelInput, AlertStep, AlertStepArgs, AlertTickInput } from './types';
