/**
 * The `tripod` library (import from 'tripod'): what a lab script needs to take data from a board
 * and analyse it. The CLI is built on the same calls.
 *
 *   open a board        openBoard({ kind: 'sim' | 'ble' | 'serial' | 'replay' | 'transport', ... })
 *   take its samples    session.samples$ / session.events$ (Observables), or sessionItems(session);
 *                       session.blocks$ gives the same samples as ForceBlocks of typed arrays (a
 *                       replay at full speed fills blocks of thousands of rows, no object per
 *                       sample; read a block in its callback, its arrays are reused)
 *   recordings          openBoard(source, { record: { path } }) writes one; openRecording reads
 *                       its records, openBoard({ kind: 'replay', file, speed: Infinity }) replays it
 *   analyse             analyseCop(samples or { t, x, y }) -> sway metrics; createTrialDetector;
 *                       findStances({ t, total }) -> where a person stood in a whole recording
 *   test without a board  'tripod/emulator': createBoard, FakeRadio (noble bindings)
 *
 * Units: forces N, CoP mm in the plate frame (x right, y forward), device time s.
 */
export { openBoard, calibrationFromBoard, SOFTWARE, type BoardInfo, type BoardSession, type OpenBoardOptions, type RecordOptions, type SessionStats } from './session.ts';
export type { BoardSource } from './source.ts';
export { sessionItems, type SessionItem } from './session-iterator.ts';
export { TransportFactory, defaultTransports, TRIPOD_BLE_UUIDS, type TransportFactoryOptions, type TransportOptions } from './transport/open.ts';
export { TransportError, type ConnectionState, type LinkEvent, type ReceivedMessage, type Transport, type TransportKind } from './transport/transport.ts';
export { BluetoothUnavailableError } from './transport/ble.ts';
export { CalibrationError, defaultCalibration, loadCalibrationFile, parseCalibration, type Calibration } from './pipeline/calibration.ts';
export { DEFAULT_LAYOUT, type BoardLayout, type ForceSample, type PipelineEvent, type PointMm } from './pipeline/types.ts';
export type { SampleStats } from './pipeline/samples.ts';
export { forceSampleAt, type ForceBlock } from './pipeline/block.ts';
export { openRecording, describeDamage, RecordingFormatError, type RecordingReadReport } from './recording/reader.ts';
export { RecordingWriter } from './recording/writer.ts';
export { RECORDING_FORMAT_VERSION, type RecordingHeader, type RecordingRecord, type RecordedCalibration } from './recording/format.ts';
export { analyseCop, copSeries, type AnalyseOptions, type CopAnalysis, type CopSeries } from './analyse.ts';
export { computeSwayMetrics, swayMetricsJson, type SwayMetrics, type SwayOptions } from './scoring/sway.ts';
export { createBlockScorer, type BlockScorer, type BlockScores, type BlockScoreSummary } from './scoring/block.ts';
export { createTrialDetector, type TrialConfig, type TrialDetector, type TrialEvent, type TrialResult } from './scoring/trial.ts';
export { findStances, type LoadTrace, type Stance, type StanceOptions, type StanceSearch } from './scoring/stances.ts';
