/*
 * The sample ring's state block (an Int32Array shared with firmware/src/ring.ts, `state`): word
 * offsets. One table for C and TypeScript: firmware/native/build.ts writes these #defines into
 * firmware/src/native-code.ts (RB_*), which ring.ts reads (checked by `npm run build:native -- --check`).
 *   rb[RB_HEAD] next slot to write        rb[RB_CONSUMED] samples taken since the last clear
 *   rb[RB_COUNT] samples held             rb[RB_COUNTS] address of counts (4 int32 per slot)
 *   rb[RB_CAP] capacity (slots)           rb[RB_FLAGS] address of flags (1 byte per slot)
 *   rb[RB_PRODUCED] sets stored since the last clear (int32, wraps)   rb[RB_TIMES] address of times (int32 ms)
 * Included by hx711.c (ring_store) and encode.c (nat_frame's drain).
 */
#ifndef TRIPOD_RING_H
#define TRIPOD_RING_H

#define RB_HEAD 0
#define RB_COUNT 1
#define RB_CAP 2
#define RB_PRODUCED 3
#define RB_CONSUMED 4
#define RB_COUNTS 5
#define RB_FLAGS 6
#define RB_TIMES 7

#endif
