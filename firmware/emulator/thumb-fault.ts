/**
 * Faults of the emulated Thumb core (thumb-cpu.ts, thumb-decode.ts): what kind, the instruction's PC
 * and the address involved.
 */

export type ThumbFaultKind =
  | 'undefined' // no such instruction on ARMv6-M, or UNPREDICTABLE
  | 'not-modelled' // exists, but the emulator does not model it (SVC, BKPT, WFI, CPS, MRS, ...)
  | 'unaligned'
  | 'unmapped'
  | 'read-only'
  | 'invstate' // a branch to an even address (ARM state does not exist on the M0)
  | 'stack-overflow'
  | 'runaway'
  | 'abi'; // a callee-saved register or SP not restored on return

/** A fault of the emulated core: the instruction, its PC and the address involved. */
export class ThumbFault extends Error {
  override readonly name = 'ThumbFault';
  constructor(message: string, readonly kind: ThumbFaultKind, readonly pc: number, readonly address?: number) {
    super(message);
  }
}

export const hex = (v: number, digits = 8): string => `0x${(v >>> 0).toString(16).padStart(digits, '0')}`;
