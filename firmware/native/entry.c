/*
 * Tripod's native code: one entry point, called from the firmware through Espruino's
 * E.nativeCall(NATIVE_ENTRY + 1, "int(int,int,int)", atob(NATIVE_CODE_B64)) (firmware/src/native.ts).
 * Built by `npm run build:native` (firmware/native/build.ts: clang-14, ARMv6-M Thumb, .text only)
 * into firmware/src/native-code.ts. Data lives in flat typed arrays whose addresses the firmware
 * takes with E.getAddressOf(array, true); nothing here allocates, divides or uses floats.
 *
 * Ops: 0 NAT_ABI (returns the ABI number; the firmware checks it before using anything else),
 *      (1 was NAT_READ, now only a step of NAT_TICK: unused, returns -1),
 *      2 NAT_FRAME (a = encoder block, b = minimum ring samples; encode.c),
 *      3 NAT_FLUSH (a = encoder block; encode.c), 4 NAT_SKIP (a = encoder block, b = dropped; encode.c),
 *      5 NAT_TICK (a = HX block, b = time in 1/16 ms; hx711.c: a whole sampling wake-up).
 *      Any other op returns -1.
 */
#define NATIVE_ABI 0x54520001

int tripod_native(int op, int a, int b);

#include "hx711.c"
#include "encode.c"

__attribute__((used)) int tripod_native(int op, int a, int b) {
  if (op == 2) return nat_frame((int *)(unsigned int)a, b);
  if (op == 3) return nat_flush((int *)(unsigned int)a);
  if (op == 4) return nat_skip((int *)(unsigned int)a, b);
  if (op == 5) return nat_tick((int *)(unsigned int)a, b);
  if (op == 0) return NATIVE_ABI;
  return -1;
}
