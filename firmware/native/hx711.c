/*
 * Native HX711 read (nat_read, the read step of NAT_TICK below), included by entry.c. Reads every ready chip of the four in one pass
 * by bit-banging the nRF52's GPIO registers: the four clocks (one per chip, or one shared) rise
 * together, the four DOUT bits are taken from one read of P0.IN while the clocks are high, 24 data
 * pulses then the 25th (channel A, gain 128 next). At 64 MHz with delay = 12 a clock phase is about
 * 0.8 us (datasheet: PD_SCK high and low >= 0.2 us, DOUT valid 0.1 us after the rising edge, high
 * < 60 us or the chip powers down), so a whole set takes about 40 us of CPU, all four chips in parallel.
 *
 * The HX block (an Int32Array shared with firmware/src/sampler.ts, addresses by E.getAddressOf):
 *   hb[0] clock mode: 0 one clock per chip (only ready chips are clocked), 1 shared (all clocked)
 *   hb[1..4] clock pin mask per chip (1 << pin)    hb[5..8] DOUT pin mask per chip
 *   hb[9..12] counts read (int24, sign-extended)   hb[13..16] last accepted counts
 *   hb[17] pend (nonzero: the JS check must see the next set)   hb[18] feeding (store usual sets)
 *   hb[19] sample ring block address (firmware/src/ring.ts)      hb[20] device ms for the ring
 *   hb[21] delay loop count per clock phase                      hb[22] sets delivered (NAT_TICK)
 *   NAT_TICK's timing state (times in u = 1/16 ms, wrapping int32; F = u * 256 fixed point):
 *   hb[24] polls this set   hb[25] poll limit   hb[26] wanted-chip mask   hb[27] lead (F)
 *   hb[28] period (F)       hb[29] last read (u)  hb[30] 1 once a set was read   hb[31] poll interval (u)
 *   hb[32] half poll (F)    hb[33], hb[34] plausible read-to-read interval (u), exclusive
 *   hb[35] next wake-up delay (u)   hb[36] attention: the JS wants every finished set back
 *   hb[37] spin target (DOUT polls)  hb[38] spin limit (DOUT polls)  hb[39] last spin (stat)
 *   hb[40] GPIO P0 base address (0x50000000 on an nRF52; firmware/src/native.ts gpioBase)
 * Cell c is bit (8 >> c) in the not-ready mask, as digitalRead([dout0..dout3]) returns it.
 *
 * Returns: 0x1000 | notReady when a wanted chip is not ready (nothing clocked);
 *          0 for the usual set (all four read, each changed since the last set, none saturated,
 *            nothing pending): hb[13..16] updated and, when feeding, the set stored in the ring
 *            with flags 0 and time hb[20];
 *          0x2000 | notReady otherwise (counts of the chips read in hb[9..12]; the JS check runs).
 */
#include "ring.h"

/* GPIO P0 registers as word offsets from the base in hb[HB_GPIO] (0x50000000 on the nRF52: OUTSET
 * 0x508, OUTCLR 0x50C, IN 0x510). The base is data, not a constant, so the same code can be pointed
 * at a RAM block (base = block address - 0x508) where there are no nRF52 registers (a test on the
 * real interpreter under Linux, where 0x50000000 is not mapped). */
#define GPIO_OUTSET (0x508 / 4)
/* Word offsets from OUTSET: the code keeps one pointer to OUTSET and reaches OUTCLR and IN by small
 * immediate offsets (one register, as with the constant addresses: same cycles per access). */
#define IO_OUTSET 0
#define IO_OUTCLR 1
#define IO_IN 2

#define HB_MODE 0
#define HB_CLK 1
#define HB_DOUT 5
#define HB_RAW 9
#define HB_LAST 13
#define HB_PEND 17
#define HB_FEED 18
#define HB_RING 19
#define HB_TIME 20
#define HB_DELAY 21
#define HB_SETS 22
#define HB_POLLS 24
#define HB_LIM 25
#define HB_WANT 26
#define HB_LEAD 27
#define HB_PERIOD 28
#define HB_LASTREAD 29
#define HB_HAVELAST 30
#define HB_POLLU 31
#define HB_HALFPOLL 32
#define HB_DLO 33
#define HB_DHI 34
#define HB_NEXT 35
#define HB_ATTN 36
#define HB_SPINTARGET 37
#define HB_SPINMAX 38
#define HB_SPUN 39
#define HB_GPIO 40

#define READ_NOT_READY 0x1000
#define READ_CHECK 0x2000

static void hx_wait(int n) {
  while (n-- > 0) __asm__ volatile("");
}

/* Stores one set in the sample ring (layout in ring.h), overwriting the oldest when full. */
static void ring_store(int *rb, int c0, int c1, int c2, int c3, int flags, int t) {
  int h = rb[RB_HEAD];
  int cap = rb[RB_CAP];
  int *counts = (int *)(unsigned int)rb[RB_COUNTS] + 4 * h;
  counts[0] = c0;
  counts[1] = c1;
  counts[2] = c2;
  counts[3] = c3;
  ((unsigned char *)(unsigned int)rb[RB_FLAGS])[h] = (unsigned char)flags;
  ((int *)(unsigned int)rb[RB_TIMES])[h] = t;
  rb[RB_HEAD] = h + 1 == cap ? 0 : h + 1;
  if (rb[RB_COUNT] < cap) rb[RB_COUNT]++;
  rb[RB_PRODUCED] = (int)((unsigned int)rb[RB_PRODUCED] + 1u); /* wraps like the JS side's int32 store */
}

/* Nonzero when v is a usable new value: changed since last and not saturated (0x7fffff, -0x800000). */
static int hx_fresh(int v, int last) {
  return v != last && ((v + 0x800001) & 0xfffffe) != 0;
}

/* Not inlined into nat_tick: inlined, its bit-bang loop spills registers (measured: +0.05 ms per set in the bench). */
__attribute__((noinline)) static int nat_read(int *hb, int want) {
  unsigned int d0 = (unsigned int)hb[HB_DOUT], d1 = (unsigned int)hb[HB_DOUT + 1];
  unsigned int d2 = (unsigned int)hb[HB_DOUT + 2], d3 = (unsigned int)hb[HB_DOUT + 3];
  volatile unsigned int *io = (volatile unsigned int *)(unsigned int)hb[HB_GPIO] + GPIO_OUTSET;
  unsigned int in = io[IO_IN];
  int nr = ((in & d0) ? 8 : 0) | ((in & d1) ? 4 : 0) | ((in & d2) ? 2 : 0) | ((in & d3) ? 1 : 0);
  if (nr & want) return READ_NOT_READY | nr;
  unsigned int clk;
  if (hb[HB_MODE]) {
    clk = (unsigned int)hb[HB_CLK];
  } else {
    clk = 0;
    if (!(nr & 8)) clk |= (unsigned int)hb[HB_CLK];
    if (!(nr & 4)) clk |= (unsigned int)hb[HB_CLK + 1];
    if (!(nr & 2)) clk |= (unsigned int)hb[HB_CLK + 2];
    if (!(nr & 1)) clk |= (unsigned int)hb[HB_CLK + 3];
  }
  if (clk == 0) return READ_CHECK | nr;
  int wait = hb[HB_DELAY];
  unsigned int v0 = 0, v1 = 0, v2 = 0, v3 = 0;
  for (int i = 0; i < 24; i++) {
    /* Opaque to the optimiser: keeps one base register with offsets 0/4/8 instead of three
     * precomputed register addresses spilled to the stack (+3,000 cycles a set, measured). */
    __asm__("" : "+l"(io));
    io[IO_OUTSET] = clk;
    hx_wait(wait);
    in = io[IO_IN];
    io[IO_OUTCLR] = clk;
    v0 = (v0 << 1) | ((in & d0) ? 1u : 0u);
    v1 = (v1 << 1) | ((in & d1) ? 1u : 0u);
    v2 = (v2 << 1) | ((in & d2) ? 1u : 0u);
    v3 = (v3 << 1) | ((in & d3) ? 1u : 0u);
    hx_wait(wait);
  }
  io[IO_OUTSET] = clk;
  hx_wait(wait);
  io[IO_OUTCLR] = clk;
  int c0 = (int)(v0 << 8) >> 8, c1 = (int)(v1 << 8) >> 8;
  int c2 = (int)(v2 << 8) >> 8, c3 = (int)(v3 << 8) >> 8;
  hb[HB_RAW] = c0;
  hb[HB_RAW + 1] = c1;
  hb[HB_RAW + 2] = c2;
  hb[HB_RAW + 3] = c3;
  if (nr == 0 && hb[HB_PEND] == 0 && hx_fresh(c0, hb[HB_LAST]) && hx_fresh(c1, hb[HB_LAST + 1]) &&
      hx_fresh(c2, hb[HB_LAST + 2]) && hx_fresh(c3, hb[HB_LAST + 3])) {
    hb[HB_LAST] = c0;
    hb[HB_LAST + 1] = c1;
    hb[HB_LAST + 2] = c2;
    hb[HB_LAST + 3] = c3;
    if (hb[HB_FEED]) ring_store((int *)(unsigned int)hb[HB_RING], c0, c1, c2, c3, 0, hb[HB_TIME]);
    return 0;
  }
  return READ_CHECK | nr;
}

/*
 * NAT_TICK (a = HX block, b = getTime() in u = 1/16 ms, wrapping): one sampling wake-up, the whole
 * of sampler.ts' pollSpi + finish for the native read. The wanted chips are those of hb[26] while
 * fewer than hb[25] polls were made this set (then every ready chip is read: the rest are flagged).
 * At the set's first wake-up the code spins on P0.IN (at most hb[38] polls of the wanted DOUT
 * lines, about 9 cycles each) until every wanted chip is ready, so the set is read within a few
 * microseconds of its last chip becoming ready and without another wake-up. Still not ready: counts
 * the poll and returns the poll interval (u > 0: wake up again then; no spin on later polls).
 * Read: the set is stamped with device ms (now - period / 2, ms mod 2^28; hb[20]) and stored by
 * nat_read when usual; then the lead (how early to wake before the predicted set) is steered so the
 * spin stays between half and twice hb[37] polls: ready at once (woken late, lag unknown) -> a half
 * poll earlier; spin outside the band -> 1/8 of that; a spin that ran out -> a half poll later. The
 * period (read-to-read interval, plausible ones averaged 1/8) is tracked, the set counted, and the
 * next wake-up delay (period - lead, at least one poll) is returned (u > 0) and kept in hb[35].
 * Returns -(0x10000 | nat_read's result) instead when the JS must see the set (a chip not read, a
 * repeat or saturation, pending state, or hb[36] attention): the JS re-arms from hb[35].
 */
static int nat_tick(int *hb, int now) {
  int want = hb[HB_POLLS] < hb[HB_LIM] ? hb[HB_WANT] : 0;
  int spun = 0;
  if (hb[HB_POLLS] == 0 && want) {
    unsigned int pins = 0;
    if (want & 8) pins |= (unsigned int)hb[HB_DOUT];
    if (want & 4) pins |= (unsigned int)hb[HB_DOUT + 1];
    if (want & 2) pins |= (unsigned int)hb[HB_DOUT + 2];
    if (want & 1) pins |= (unsigned int)hb[HB_DOUT + 3];
    int max = hb[HB_SPINMAX];
    volatile unsigned int *in = (volatile unsigned int *)(unsigned int)hb[HB_GPIO] + GPIO_OUTSET + IO_IN;
    while ((*in & pins) && spun < max) spun++;
    hb[HB_SPUN] = spun;
  }
  int period = hb[HB_PERIOD];
  hb[HB_TIME] = (int)(((unsigned int)now - (unsigned int)(period >> 9)) >> 4);
  int r = nat_read(hb, want);
  if (r & READ_NOT_READY) {
    hb[HB_POLLS]++;
    return hb[HB_POLLU];
  }
  int polls = hb[HB_POLLS];
  int lead = hb[HB_LEAD];
  int pollu = hb[HB_POLLU];
  int half = hb[HB_HALFPOLL];
  int target = hb[HB_SPINTARGET];
  if (polls > 0) lead -= half;
  else if (spun == 0) lead += half >> 1;
  else if (spun > 2 * target) lead -= half >> 3;
  else if (spun < (target >> 1)) lead += half >> 3;
  if (lead > (period >> 1)) lead = period >> 1;
  if (lead < -(period >> 2)) lead = -(period >> 2);
  if (hb[HB_HAVELAST]) {
    int d = (int)((unsigned int)now - (unsigned int)hb[HB_LASTREAD]); /* wraps: now is mod 2^32 */
    if (d > hb[HB_DLO] && d < hb[HB_DHI]) period += ((d << 8) - period) >> 3;
  }
  hb[HB_LASTREAD] = now;
  hb[HB_HAVELAST] = 1;
  hb[HB_POLLS] = 0;
  hb[HB_SETS] = (int)((unsigned int)hb[HB_SETS] + 1u);
  hb[HB_LEAD] = lead;
  hb[HB_PERIOD] = period;
  int next = (period - lead) >> 8;
  if (next < pollu) next = pollu;
  hb[HB_NEXT] = next;
  if (r != 0 || hb[HB_ATTN]) return -(0x10000 | r);
  return next;
}
