/**
 * Scoring: foot geometry and tripod shares, targets and the live score, single-leg stance trials,
 * sway metrics. See host/scoring/README.md for every formula and its source.
 */
export {
  FOOT_PROPORTIONS,
  footLandmarks,
  footToPlate,
  insideConvex,
  pointFromShares,
  rayExitConvex,
  signedArea,
  tripodShares,
  type FootLandmarks,
  type FootPlacement,
  type FootProportions,
  type FootSide,
  type TripodReading,
  type TripodShares,
  type TripodSide,
} from './geometry.ts';
export { DEFAULT_FOOT_MARKS, DEFAULT_SCORING_LAYOUT, LayoutError, loadLayoutFile, validateLayout, type ScoringLayout } from './layout.ts';
export {
  TARGET_PRESETS,
  cueFor,
  customTarget,
  inZone,
  resolveTarget,
  scoreShares,
  shareError,
  targetPoint,
  targetZone,
  type TargetPresetName,
  type TripodTarget,
} from './targets.ts';
export { DEFAULT_FOOT_LENGTH_MM, resolveStance, type ResolvedStance, type StanceSetup } from './stance.ts';
export { createLiveScorer, type LiveScore, type LiveScorer, type LiveScorerConfig, type RollingSummary } from './live.ts';
export { createBlockScorer, type BlockScorer, type BlockScores, type BlockScoreSummary } from './block.ts';
export {
  createTrialDetector,
  summariseTrial,
  type KeptCop,
  type TouchDown,
  type TrialConfig,
  type TrialDetector,
  type TrialEndReason,
  type TrialEvent,
  type TrialPhase,
  type TrialRecord,
  type TrialResult,
} from './trial.ts';
export { asymmetryPct, compareFeet, type AsymmetryRow } from './asymmetry.ts';
export {
  SwayAccumulator,
  axisPathLength,
  computeSwayMetrics,
  ellipseArea95,
  ellipseAreaFromCovariance,
  fQuantile2,
  frequencyMetrics,
  meanPowerFrequency,
  meanVelocity,
  pathLength,
  predictionEllipseScale,
  range,
  rms,
  spectrumPower,
  swayAreaPerSecond,
  swayMetricsJson,
  timeToBoundary,
  type FrequencyMetrics,
  type StreamingSwayMetrics,
  type SwayMetrics,
  type SwayOptions,
  type TimeToBoundary,
} from './sway.ts';
export { fft, frequencyPercentile, meanFrequency, trapz, welchPsd, type Spectrum, type WelchOptions } from './spectrum.ts';
export {
  butterworthLowpass2,
  filtfilt,
  isEvenlySampled,
  lfilter,
  medianInterval,
  preprocessCop,
  resampleWindowAverage,
  type PreprocessOptions,
  type Preprocessed,
} from './filter.ts';
export { fCdf, fQuantile, logGamma, regularizedIncompleteBeta } from './stats.ts';
