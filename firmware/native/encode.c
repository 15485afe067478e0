/*
 * encode.c: the ring-to-frame path of firmware/src/stream.ts (createStreamer) over the sample-frame
 * encoder of protocol/frame-encoder.ts (createFrameEncoder(payload, perFrame, keyInterval, true):
 * second-order predictor; format 1, KEY/DELTA) or of protocol/frame-encoder2.ts
 * (createFrameEncoder2(payload, perFrame, keyInterval): format 2, KEY2/DELTA2, protocol/SPEC.md 4.8,
 * when eb[EB_FMT] is 2), in C for Thumb (ARMv6-M), called through E.nativeCall by
 * firmware/src/native-stream.ts. Included by entry.c, which dispatches
 *   op 2 NAT_FRAME(eb, min)  -> nat_frame,   op 3 NAT_FLUSH(eb) -> nat_flush,
 *   op 4 NAT_SKIP(eb, dropped) -> nat_skip.
 * The TypeScript encoder is the reference: every frame must come out byte-identical (tested by
 * tests/firmware/native-encoder.test.ts and native-encoder2.test.ts in the ARMv6-M interpreter). No globals, no division, no
 * floats, no library calls: every bit of state lives in the encoder block `eb`.
 *
 * Encoder block eb (an Int32Array, one flat buffer; native-stream.ts lays it out). Words:
 *   [0]  EB_RING     address of the sample ring block RB (firmware/src/ring.ts RB_*: RB[0] head, [1] count,
 *                    [2] capacity, [3] produced, [4] consumed, [5] counts addr, [6] flags addr,
 *                    [7] times addr)
 *   [1]  EB_CAP      payload bytes (20..244)           [2]  EB_MAXN   samples per frame max (1..255)
 *   [3]  EB_KEYINT   KEY interval (1..128)             [4]  EB_N      residual samples pending
 *   [5]  EB_ACC      OR of the pending residual magnitudes ((r << 8) ^ ((r << 8) >> 31))
 *   [6]  EB_FL       OR of the pending samples' flags  [7]  EB_LIM    samples that close the frame
 *   [8]  EB_FIRST    index of the first residual sample of the open frame (24 bits)
 *   [9]  EB_KEYPEND  1 while the open frame starts with a KEY
 *   [10] EB_EXTRA    flags the next KEY gets (FLAG_STREAM_START after start, FLAG_OVERFLOW after skip)
 *   [11] EB_SINCEKEY samples since the KEY, KEY included   [12] EB_KEYAT  sinceKey that forces a KEY
 *   [13] EB_KEYFLAGS [14] EB_KEYTIME (ms mod 2^24)  [15] EB_KEYIDX   the KEY sample
 *   [16..19] EB_K    the KEY sample's counts
 *   [20..23] EB_P    x[k-1] per cell                    [24..27] EB_D  last first difference << 8
 *   [28] EB_L        word offset (in eb) of the fit-limit table in use
 *   [29] EB_LD [30] EB_LDF [31] EB_LK [32] EB_LKF  word offsets of the four fit-limit tables
 *                    (frame-encoder.ts fitLimits: LD = fitLimits(cap-3, maxN, false), LDF = with flags,
 *                    LK = fitLimits(cap-21, maxN-1, false), LKF = with flags; written by the JS)
 *   [33] EB_R        word offset of R: first differences (x - x[k-1]) << 8, 4 per pending sample
 *                    (4 * (maxN + 1) words); the frame writer makes the chosen order's residuals
 *   [34] EB_FLB      byte offset of FL: flags per pending sample (maxN + 1 bytes)
 *   [35] EB_QOFF     byte offset of frame slot 0      [36] EB_QSTRIDE  bytes per slot (>= payload)
 *   [37] EB_QSLOTS   slots                            [38] EB_QHEAD    oldest queued slot
 *   [39] EB_QUEUED   frames queued                    [40] EB_QLEN     word offset of the slot lengths
 *   [41] EB_PERFRAME samples taken from the ring per step (stream.ts perFrame)
 *   [42] EB_RESUME   1: an overflow was just reported; the next NAT_FRAME first takes its step
 *   [43] EB_OVN      dropped samples of the last overflow   [44] EB_OVFIRST  its first dropped index
 *   [45] EB_TAKEN    stat: samples taken from the ring (wraps)
 *   [46] EB_FRAMES   stat: frames built (wraps)
 *   [47] EB_QFULL    stat: frames lost to a full queue (always 0 when the JS sizes the queue right)
 *   [48] EB_GATEWANT written by the JS: ring samples below which NAT_FRAME has nothing to do when no
 *                    frame is queued (perFrame while streaming, -1 while draining, 0x7fffffff idle)
 *   [49] EB_GATE     -1 while a frame is queued, else EB_GATEWANT (kept by every op): the JS skips
 *                    the native call while ring count < EB_GATE (it could only return 0)
 *   [50] EB_FMT      frame format of the stream (native-stream.ts writes it at STREAM_BEGIN; 0 = 1)
 *   [51] EB_SEQ      format 2: sequence number of the next frame (never reset: one sequence per block)
 *   [52] EB_NPAR     format 2: stream parity, inverted (a zeroed block's first stream sends 0)
 *   [53] EB_A1 [54] EB_A3  OR of the pending first- and third-order magnitudes (EB_ACC: second order)
 *   [55..58] EB_E    last second difference << 8 per cell
 *   [59..62] EB_FD [63..66] EB_FE  the last first and second differences at the open frame's start
 * EB_HEADER = 67 words; the tables, R, FL, slot lengths and slots follow (offsets above).
 *
 * NAT_FRAME returns (offset << 8) | length for the next completed frame, offset = its byte offset in
 * eb (dequeued; its bytes stay in the slot until the queue wraps around to it), 0 when none is
 * ready, or NAT_OVERFLOW (-2) when the ring had lost samples: the encoder skipped them, the ring
 * acknowledged them, eb[EB_OVN] and eb[EB_OVFIRST] hold onOverflow's arguments; call NAT_FRAME
 * again (it resumes the step).
 *
 * Device time: a KEY carries the low 24 bits of the ring's integer ms (a KEY2 the low 16); the
 * TypeScript encoders' Math.floor(t) % 2^24 (% 2^16) stored into bytes gives the same bytes for
 * every int32 t.
 */

#define EB_RING 0
#define EB_CAP 1
#define EB_MAXN 2
#define EB_KEYINT 3
#define EB_N 4
#define EB_ACC 5
#define EB_FL 6
#define EB_LIM 7
#define EB_FIRST 8
#define EB_KEYPEND 9
#define EB_EXTRA 10
#define EB_SINCEKEY 11
#define EB_KEYAT 12
#define EB_KEYFLAGS 13
#define EB_KEYTIME 14
#define EB_KEYIDX 15
#define EB_K 16
#define EB_P 20
#define EB_D 24
#define EB_L 28
#define EB_LD 29
#define EB_LDF 30
#define EB_LK 31
#define EB_LKF 32
#define EB_R 33
#define EB_FLB 34
#define EB_QOFF 35
#define EB_QSTRIDE 36
#define EB_QSLOTS 37
#define EB_QHEAD 38
#define EB_QUEUED 39
#define EB_QLEN 40
#define EB_PERFRAME 41
#define EB_RESUME 42
#define EB_OVN 43
#define EB_OVFIRST 44
#define EB_TAKEN 45
#define EB_FRAMES 46
#define EB_QFULL 47
#define EB_GATEWANT 48
#define EB_GATE 49
#define EB_FMT 50
#define EB_SEQ 51
#define EB_NPAR 52
#define EB_A1 53
#define EB_A3 54
#define EB_E 55
#define EB_FD 59
#define EB_FE 63
#define EB_HEADER 67

#include "ring.h"

#define NAT_OVERFLOW (-2)

#define MSG_KEY_BYTE 0x10
#define MSG_DELTA_BYTE 0x11
#define MSG2_OFFSET 5
#define KEY_FIXED 20
#define FLAG_OVERFLOW_BIT 0x20
#define FLAG_STREAM_START_BIT 0x40
#define PARITY_BIT 0x80
#define SKIP_RESTART 0x800000
#define MODE_ORDER_SHIFT 5
#define MODE_FLAGS 0x40
#define MODE2_FLAGS 0x80
#define MODE_BIT8 0x80

typedef unsigned int enc_u32;
typedef unsigned char enc_u8;

/* Bits of the widest residual the accumulator a (OR of (r << 8) ^ ((r << 8) >> 31)) holds, plus the sign: >= 2. */
static int enc_width(enc_u32 a) {
  int b = 1;
  a >>= 8;
  while (a != 0) {
    b++;
    a >>= 1;
  }
  return b < 2 ? 2 : b;
}

/* Three little-endian bytes of v at f. */
static void enc_put3(enc_u8 *f, int v) {
  f[0] = (enc_u8)v;
  f[1] = (enc_u8)(v >> 8);
  f[2] = (enc_u8)(v >> 16);
}

/*
 * Frame of the k pending samples into the next slot (prepFrame + fillFrame of frame-encoder.ts, or
 * of frame-encoder2.ts when eb[EB_FMT] is 2). R holds each pending sample's first differences
 * (x - x[k-1]) << 8; the chosen order's residuals come from them and the history at the frame's
 * start (EB_FD: the last first difference, EB_FE: the last second difference), which the packing
 * loop moves on by the k samples: it is then the history at the next frame's start.
 */
static void enc_build(int *eb, int k) {
  enc_u8 *base = (enc_u8 *)eb;
  int slots = eb[EB_QSLOTS];
  int queued = eb[EB_QUEUED];
  int keyPending = eb[EB_KEYPEND];
  int fl = eb[EB_FL];
  int v2 = eb[EB_FMT] == 2;
  int w = enc_width((enc_u32)eb[EB_ACC]);
  int o = 1;
  int len;
  int slot;
  enc_u8 *f;
  if (v2) {
    int w1 = enc_width((enc_u32)eb[EB_A1]);
    int w3 = enc_width((enc_u32)eb[EB_A3]);
    if (w1 <= w) {
      w = w1;
      o = 0;
    }
    if (w3 < w) {
      w = w3;
      o = 2;
    }
  }
  if (k > 0) {
    len = (keyPending ? KEY_FIXED + 1 : 3) + (fl != 0 ? k : 0) + ((k * w + 1) >> 1);
  } else {
    len = KEY_FIXED;
  }
  if (queued >= slots) {
    eb[EB_QFULL]++;
    f = 0;
  } else {
    slot = eb[EB_QHEAD] + queued;
    if (slot >= slots) slot -= slots;
    f = base + eb[EB_QOFF] + slot * eb[EB_QSTRIDE];
    eb[eb[EB_QLEN] + slot] = len;
    eb[EB_QUEUED] = queued + 1;
    eb[EB_FRAMES]++;
  }
  if (f != 0) {
    int mode = w | (o << MODE_ORDER_SHIFT) | (fl != 0 ? (v2 ? MODE2_FLAGS : MODE_FLAGS) : 0);
    int firstIdx = eb[EB_FIRST];
    int i;
    int at = 3;
    if (keyPending) {
      at = KEY_FIXED + 1;
      f[0] = (enc_u8)(MSG_KEY_BYTE + (v2 ? MSG2_OFFSET : 0));
      enc_put3(f + 1 + v2, eb[EB_KEYIDX]);
      enc_put3(f + 4 + v2, eb[EB_KEYTIME]);
      f[7] = (enc_u8)eb[EB_KEYFLAGS];
      for (i = 0; i < 4; i++) enc_put3(f + 8 + 3 * i, eb[EB_K + i]);
      if (k > 0) f[KEY_FIXED] = (enc_u8)mode;
    } else {
      f[0] = (enc_u8)(MSG_DELTA_BYTE + (v2 ? MSG2_OFFSET : 0));
      f[1] = (enc_u8)firstIdx;
      f[2] = (enc_u8)(mode | (!v2 && (firstIdx & 0x100) ? MODE_BIT8 : 0));
    }
    if (v2) {
      f[1] = (enc_u8)eb[EB_SEQ];
      eb[EB_SEQ] = (eb[EB_SEQ] + 1) & 0xff;
    }
    if (k > 0) {
      const int *R = eb + eb[EB_R];
      int count = k << 2;
      enc_u32 mask = w >= 24 ? 0xffffffu : (1u << w) - 1u;
      enc_u32 acc = 0;
      int bits = 0;
      if (fl != 0) {
        const enc_u8 *FL = base + eb[EB_FLB];
        for (i = 0; i < k; i++) f[at + i] = FL[i];
        at += k;
      }
      f += at;
      for (i = 0; i < count; i++) {
        int *h = eb + (i & 3);
        enc_u32 r = (enc_u32)R[i];
        enc_u32 s = r - (enc_u32)h[EB_FD];
        enc_u32 v = o == 0 ? r : o == 1 ? s : s - (enc_u32)h[EB_FE];
        h[EB_FD] = (int)r;
        h[EB_FE] = (int)s;
        acc |= ((v >> 8) & mask) << bits;
        bits += w;
        while (bits >= 8) {
          *f++ = (enc_u8)acc;
          acc >>= 8;
          bits -= 8;
        }
      }
      if (bits > 0) *f = (enc_u8)acc;
    }
  }
  eb[EB_KEYPEND] = 0;
  eb[EB_FIRST] = (eb[EB_FIRST] + k) & 0xffffff;
  eb[EB_N] = 0;
  eb[EB_ACC] = 0;
  eb[EB_A1] = 0;
  eb[EB_A3] = 0;
  eb[EB_FL] = 0;
  eb[EB_L] = eb[EB_LD];
  eb[EB_LIM] = eb[EB_MAXN];
}

/* flushAll: closes the open frame (a pending KEY or residual samples). */
static void enc_flush_all(int *eb) {
  if (eb[EB_KEYPEND] || eb[EB_N] > 0) enc_build(eb, eb[EB_N]);
}

/* startKey: the sample (c, flags, t) starts a KEY (KEY2) frame; every history value is set to it. */
static void enc_start_key(int *eb, const int *c, int flags, int t) {
  int i;
  int keyIdx;
  int kf = flags | eb[EB_EXTRA];
  enc_flush_all(eb);
  keyIdx = (eb[EB_KEYIDX] + eb[EB_SINCEKEY]) & 0xffffff;
  eb[EB_KEYIDX] = keyIdx;
  for (i = 0; i < 4; i++) {
    eb[EB_K + i] = c[i];
    eb[EB_P + i] = c[i];
    eb[EB_D + i] = 0;
    eb[EB_E + i] = 0;
    eb[EB_FD + i] = 0;
    eb[EB_FE + i] = 0;
  }
  if (eb[EB_FMT] == 2) {
    /* Stream parity (KEY2 flag bit 7): EB_NPAR holds it inverted, so a zeroed block's first stream sends 0. */
    if (eb[EB_EXTRA] & FLAG_STREAM_START_BIT) eb[EB_NPAR] ^= PARITY_BIT;
    kf = (kf & 0x7f) | (eb[EB_NPAR] ^ PARITY_BIT);
  }
  eb[EB_KEYFLAGS] = kf & 0xff;
  eb[EB_EXTRA] = 0;
  eb[EB_KEYTIME] = t & 0xffffff;
  eb[EB_KEYPEND] = 1;
  eb[EB_SINCEKEY] = 1;
  eb[EB_KEYAT] = eb[EB_KEYINT];
  eb[EB_FIRST] = (keyIdx + 1) & 0xffffff;
  eb[EB_L] = eb[EB_LK];
  eb[EB_LIM] = eb[EB_MAXN] - 1;
  if (eb[EB_CAP] - KEY_FIXED < 2 || eb[EB_LIM] < 1) enc_build(eb, 0);
}

/*
 * The sample whose first differences R holds does not fit the open frame: close the frame of the n
 * samples before it and move R to the start of the residual buffer, where the next frame begins.
 */
static void enc_close_before(int *eb, int n, const int *R) {
  int *R0 = eb + eb[EB_R];
  enc_build(eb, n);
  R0[0] = R[0];
  R0[1] = R[1];
  R0[2] = R[2];
  R0[3] = R[3];
}

/*
 * push2 + addSlow of frame-encoder.ts (format 1: second order only), or push + addSlow of
 * frame-encoder2.ts (format 2: the narrowest of three orders decides): one sample (counts c[0..3],
 * flags, device ms t). Residuals of order 1, 2, 3: r = x - x[k-1], s = r - D, u = s - E (D, E: the
 * last first and second differences), all << 8 mod 2^32 as in the TypeScript.
 */
static void enc_push(int *eb, const int *c, int flags, int t) {
  int n = eb[EB_N];
  int *R = eb + eb[EB_R] + (n << 2);
  int x1 = 0;
  int x2 = 0;
  int x3 = 0;
  int a1;
  int a2;
  int a3;
  int m;
  int i;
  int fl = eb[EB_FL];
  int f = fl;
  int t2 = eb[EB_L];
  for (i = 0; i < 4; i++) {
    int *h = eb + i;
    enc_u32 r = ((enc_u32)c[i] - (enc_u32)h[EB_P]) << 8;
    enc_u32 s = r - (enc_u32)h[EB_D];
    enc_u32 u = s - (enc_u32)h[EB_E];
    R[i] = (int)r;
    h[EB_P] = c[i];
    h[EB_D] = (int)r;
    h[EB_E] = (int)s;
    x1 |= (int)r ^ ((int)r >> 31);
    x2 |= (int)s ^ ((int)s >> 31);
    x3 |= (int)u ^ ((int)u >> 31);
  }
  a1 = eb[EB_A1] | x1;
  a2 = eb[EB_ACC] | x2;
  a3 = eb[EB_A3] | x3;
  m = a2;
  if (eb[EB_FMT] == 2) {
    if (a1 < m) m = a1;
    if (a3 < m) m = a3;
  }
  if (eb[EB_SINCEKEY] >= eb[EB_KEYAT] || (flags | fl) != 0) {
    if (eb[EB_SINCEKEY] >= eb[EB_KEYAT] || (flags & (FLAG_OVERFLOW_BIT | FLAG_STREAM_START_BIT)) != 0) {
      enc_start_key(eb, c, flags, t);
      return;
    }
    f = fl | flags;
    if (f != fl) t2 = eb[EB_KEYPEND] ? eb[EB_LKF] : eb[EB_LDF];
  }
  if (m > eb[t2 + n + 1]) {
    enc_close_before(eb, n, R);
    n = 0;
    fl = 0;
    f = flags;
    t2 = f ? eb[EB_LDF] : eb[EB_LD];
    a1 = x1;
    a2 = x2;
    a3 = x3;
  }
  eb[EB_A1] = a1;
  eb[EB_ACC] = a2;
  eb[EB_A3] = a3;
  if (f != 0) {
    enc_u8 *FL = (enc_u8 *)eb + eb[EB_FLB];
    if (fl == 0) {
      for (i = 0; i < n; i++) FL[i] = 0;
    }
    FL[n] = (enc_u8)flags;
  }
  eb[EB_FL] = f;
  eb[EB_L] = t2;
  eb[EB_SINCEKEY]++;
  n++;
  eb[EB_N] = n;
  if (n >= eb[EB_LIM]) enc_build(eb, n);
}

/* ring.drainTo(enc.push, perFrame), then flush() (stream.ts fill): the oldest min(count, perFrame)
 * samples into the encoder and closed into frames, so no frame waits for the next step's samples. */
static void enc_take(int *eb) {
  int *rb = (int *)(enc_u32)eb[EB_RING];
  int count = rb[RB_COUNT];
  int cap = rb[RB_CAP];
  int k = eb[EB_PERFRAME];
  const int *counts = (const int *)(enc_u32)rb[RB_COUNTS];
  const enc_u8 *flags = (const enc_u8 *)(enc_u32)rb[RB_FLAGS];
  const int *times = (const int *)(enc_u32)rb[RB_TIMES];
  int s;
  int i;
  if (count < k) k = count;
  s = rb[RB_HEAD] - count;
  if (s < 0) s += cap;
  for (i = 0; i < k; i++) {
    enc_push(eb, counts + (s << 2), flags[s], times[s]);
    s = s + 1 == cap ? 0 : s + 1;
  }
  rb[RB_COUNT] = count - k;
  rb[RB_CONSUMED] = (int)((enc_u32)rb[RB_CONSUMED] + (enc_u32)k);
  eb[EB_TAKEN] = (int)((enc_u32)eb[EB_TAKEN] + (enc_u32)k);
  enc_flush_all(eb);
}

/* FrameEncoder.skip(dropped) (frame-encoder.ts, or frame-encoder2.ts when eb[EB_FMT] is 2). */
static void enc_skip(int *eb, int dropped) {
  if (dropped > 0) {
    enc_flush_all(eb);
    eb[EB_KEYIDX] = (int)(((enc_u32)eb[EB_KEYIDX] + (enc_u32)dropped) & 0xffffffu);
    /* Format 2: a skip of 2^23 or more starts a new stream (SPEC 4.8; frame-encoder2.ts SKIP_RESTART). */
    eb[EB_EXTRA] |= eb[EB_FMT] == 2 && dropped >= SKIP_RESTART ? FLAG_STREAM_START_BIT : FLAG_OVERFLOW_BIT;
    eb[EB_KEYAT] = 0;
  }
}

/* EB_GATE for the JS: -1 while a frame is queued, else EB_GATEWANT. */
static void enc_gate(int *eb) {
  eb[EB_GATE] = eb[EB_QUEUED] > 0 ? -1 : eb[EB_GATEWANT];
}

/*
 * NAT_FRAME: stream.ts fill() (with min = draining ? 1 : perFrame while on or draining, else 0).
 * When no frame is queued: steps (overflow check, then perFrame samples) while the ring holds
 * >= min samples and still no frame is queued. Then dequeues one frame: returns (byte offset in eb
 * << 8) | length, 0 for none, NAT_OVERFLOW after an overflow (call again: the step resumes).
 */
static int nat_frame(int *eb, int minSamples) {
  int slot;
  int queued;
  if (eb[EB_RESUME]) {
    eb[EB_RESUME] = 0;
    enc_take(eb);
  }
  if (eb[EB_QUEUED] == 0) {
    int *rb = (int *)(enc_u32)eb[EB_RING];
    while (eb[EB_QUEUED] == 0 && minSamples > 0 && rb[RB_COUNT] >= minSamples) {
      int lost = (int)((enc_u32)rb[RB_PRODUCED] - (enc_u32)rb[RB_COUNT] - (enc_u32)rb[RB_CONSUMED]);
      if (lost > 0) {
        eb[EB_OVFIRST] = (eb[EB_KEYIDX] + eb[EB_SINCEKEY]) & 0xffffff;
        eb[EB_OVN] = lost;
        enc_skip(eb, lost);
        rb[RB_CONSUMED] = (int)((enc_u32)rb[RB_PRODUCED] - (enc_u32)rb[RB_COUNT]);
        eb[EB_RESUME] = 1;
        enc_gate(eb);
        return NAT_OVERFLOW;
      }
      enc_take(eb);
    }
  }
  queued = eb[EB_QUEUED];
  if (queued == 0) {
    enc_gate(eb);
    return 0;
  }
  slot = eb[EB_QHEAD];
  eb[EB_QUEUED] = queued - 1;
  eb[EB_QHEAD] = slot + 1 == eb[EB_QSLOTS] ? 0 : slot + 1;
  enc_gate(eb);
  return ((eb[EB_QOFF] + slot * eb[EB_QSTRIDE]) << 8) | eb[eb[EB_QLEN] + slot];
}

/* NAT_FLUSH: FrameEncoder flushAll (no dequeue); returns the frames queued. */
static int nat_flush(int *eb) {
  enc_flush_all(eb);
  enc_gate(eb);
  return eb[EB_QUEUED];
}

/* NAT_SKIP: FrameEncoder.skip(dropped); returns the frames queued. */
static int nat_skip(int *eb, int dropped) {
  enc_skip(eb, dropped);
  enc_gate(eb);
  return eb[EB_QUEUED];
}
