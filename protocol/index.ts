/**
 * Tripod protocol v1 (protocol/SPEC.md): the one wire format shared by firmware and host.
 * Espruino-safe files (the firmware may import them directly): constants.ts, crc.ts,
 * frame-encoder.ts, frame-encoder2.ts, control.ts, serial-framing.ts. Host-only: frame-decoder.ts,
 * residuals.ts (and this index).
 */
export * from './constants.ts';
export { crc32 } from './crc.ts';
export { sipHash24, authTag } from './siphash.ts';
export { createFrameEncoder, bitLength, deltaBodyBytes, packResiduals, fitLimits, encodeKeyFrame } from './frame-encoder.ts';
export type { FrameEncoder } from './frame-encoder.ts';
export { createFrameEncoder2 } from './frame-encoder2.ts';
export { createStreamDecoder, maxSamples } from './frame-decoder.ts';
export type { BlockInfo, SampleBlock, FrameError, FrameErrorCode, StreamDecoder, StreamDecoderOptions, StreamDecoderStats } from './frame-decoder.ts';
export {
  encodeCommand,
  decodeCommand,
  encodeResponse,
  encodeEvent,
  encodeCommandError,
  decodeDeviceMessage,
  decodeResponse,
  decodeEvent,
  statusName,
} from './control.ts';
export type {
  CellCalibrationRecord,
  DeviceInfo,
  CommandMessage,
  ResponseMessage,
  EventMessage,
  CommandDecodeOk,
  CommandDecodeError,
  ResponseDecodeOk,
  EventDecodeOk,
  ControlDecodeError,
} from './control.ts';
export {
  encodeSerialFrame,
  createSerialDeframer,
  cobsEncodeInto,
  cobsDecodeInto,
  cobsMaxEncodedLength,
} from './serial-framing.ts';
export type { SerialDeframer, SerialDeframerStats } from './serial-framing.ts';
