// Tripod on the real Espruino interpreter under Linux: the stand-ins for what Linux lacks, and the
// scenario driver. Installed as Storage file .boot0 (runner.ts), so Espruino runs it before the
// firmware (.bootcde) at every boot, as a board runs its boot files. ES5 only, kept small: every
// variable it holds is counted by process.memory() with the firmware's (the "standins" figure).
//
// The runner puts these globals first (one line): T_BOARD (process.env.BOARD to report, "" keeps
// the interpreter's own), T_GPIO (1: allow native code with GPIO in a RAM block), T_SCK / T_DOUT
// (the HX711 pins the firmware's pin map uses), T_CAP (0, or the variables the firmware may use:
// a ballast takes the rest, see below). Characteristics are told apart by the 8th character
// of their 128-bit UUID (protocol/constants.ts: 2 data, 3 control, 4 response). What it does:
// - NRF: records declared services (S), advertising (A), notifications (F data, R response/event,
//   B battery) and keeps the control characteristic's onWrite for the scenario.
// - HX711 lines at the Espruino API level (pinMode, digitalWrite, digitalRead, digitalPulse, new
//   SPI): four chips converting at the RATE pin's rate (periods 0.4 % apart), DOUT low when a new
//   conversion is ready, 24 bits MSB first per read, a 25th pulse ends it.
// - T_GPIO: globalThis.TRIPOD_GPIO_BASE = a RAM block's address - 0x508, so the native read's OUTSET,
//   OUTCLR and IN are words 0..2 of T_IO (IN 0: every chip ready, each read gives 0 counts).
// - Serial1.setup recorded only (Linux would want a device path); E.reboot -> load() (a fresh boot
//   from Storage, as a board's reset), the scenario continuing after the REBOOT step.
// - The scenario (Storage file "t.scn", records [op, len, data...]) runs from a timer chain:
//   c connect, u MTU, w write a command, s sleep (data: 10 ms units, LE16), m memory mark (label),
//   d disconnect, b press the button (the firmware's setWatch callback), z end.
// - T_CAP: after the stand-ins, a ballast (one flat Uint8Array, then single array elements) takes
//   every variable but T_CAP minus those in use before .boot0 ran (the interpreter's own, counted
//   with the firmware's as the firmware's figures are). The firmware then has exactly T_CAP variables
//   (less the stand-ins' passing strings); when it needs more, Espruino collects garbage and raises
//   LOW_MEMORY, and fails with MEMORY when that is not enough (jsvar.c jsvNewWithFlags).
// - E.hwRand: a known sequence r = (r * 5 + 12345) % 2147483647 from r = 1 (scenario.ts hwRandWords),
//   so the scenario can compute the AUTH tags for the board's nonces ahead of time. Output goes to result.txt (one File, E.openFile, open for the boot: see tlog): moving the console (E.setConsole)
//   takes print away from standard output.
// Lines: "O uart v" (NRF.setServices' uart option: false keeps the JS console off BLE), "M label usage free total time_s" (after a GC), "P peak" (largest usage seen without GC at any
// stand-in call), "L vars n" (T_CAP: the variables the ballast of n items left the firmware, free plus those in use before .boot0), "E flags" (errorFlag), "X error" (uncaught exception), "K" when the firmware rebooted.
var T = { fh: null, st: require("Storage"), pk: 0, at: 0, w: null, c: null, d: null, m: null, io: null, rn: 1, b: null, bal: null };
// One File kept open for the whole boot: fs.appendFileSync opens a File per call, and when no two
// aligned contiguous variables are free for its JsFileData, Espruino (jswrap_file.c allocateJsFile)
// calls its defragmenter (jsvar.c), which moves unlocked flat strings: the firmware's typed arrays whose
// addresses the native code holds (hb, the ring, the encoder block, T.io). An open File's data stays
// locked and no later write allocates one. write() flushes (fflush) after each call.
function tlog(s) { if (!T.fh) T.fh = E.openFile("result.txt", "a"); T.fh.write(s + "\n"); }
function tpeak() { var u = process.memory(false).usage; if (u > T.pk) T.pk = u; }
/** "2" data, "3" control, "4" response characteristic (the 8th character of Tripod's UUIDs), else "". */
function tkind(c) { return c.length === 36 ? c.charAt(7) : ""; }
function tmark(l) { var m = process.memory(); tlog("M " + l + " " + m.usage + " " + m.free + " " + m.total + " " + getTime().toFixed(3)); }
var T_PRE = process.memory().usage;
tmark("pre");
process.on("uncaughtException", function (e) { tlog("X " + e); });
E.on("errorFlag", function (f) { tlog("E " + f); });
if (T_BOARD) process.env = { BOARD: T_BOARD };
// 64 words: a typed array this large is stored as one flat (contiguous) block; a small one may be
// spread over linked variables, and the native read writing words 1..2 past the first would corrupt them.
if (T_GPIO) { T.io = new Uint32Array(64); var ga = E.getAddressOf(T.io, true); if (!ga) tlog("Z no flat RAM block for the GPIO stand-in"); else globalThis.TRIPOD_GPIO_BASE = ga - 0x508; }
if (T_SCK[1] !== -1) Serial1.setup = function (b) { tlog("U " + b); };
E.hwRand = function () { T.rn = (T.rn * 5 + 12345) % 2147483647; return T.rn; };
function setWatch(f) { T.b = f; return 1; }
E.reboot = function () { tlog("K"); T.st.write("t.pos", "" + T.at); setTimeout(load, 10); };

var NRF = {
  setServices: function (s, o) {
    tlog("O uart " + (o && o.uart !== undefined ? o.uart : "default"));
    for (var u in s) for (var c in s[u]) {
      var h = s[u][c];
      tlog("S " + u + " " + c + " " + h.maxLen + " " + (h.readable ? "r" : "") + (h.writable ? "w" : "") + (h.notify ? "n" : "") + " " + (typeof h.value === "string" ? h.value : ""));
      if (tkind(c) === "3") T.w = h.onWrite;
    }
    tpeak();
  },
  updateServices: function (s) {
    for (var u in s) for (var c in s[u]) {
      var v = s[u][c].value, k = tkind(c);
      tlog(k === "2" ? "F " + btoa(E.toString(v)) : k === "4" ? "R " + btoa(E.toString(v)) : "B " + v);
    }
    tpeak();
  },
  setAdvertising: function (d, o) { tlog("A " + o.name + " " + o.connectable + " " + o.interval); },
  setConnectionInterval: function (i) { tlog("I " + i); },
  getAddress: function () { return "c0:11:22:33:ab:cd random"; },
  getBattery: function () { return 2.95; },
  on: function (e, f) { if (e === "connect") T.c = f; else if (e === "disconnect") T.d = f; else if (e === "mtu") T.m = f; }
};

// HX711 chips (JS read only: with T_GPIO the native read uses the RAM block and DOUT reads 0, every
// chip ready): H.n[c] the conversion last read, H.k[c] clock pulses of the read under way (shared clock).
var H = T_GPIO ? null : { t0: getTime(), hz: 80, n: new Int32Array(4), k: new Uint8Array(4), w: new Int32Array(4) };
function hxConv(c) { return Math.floor((getTime() - H.t0) * H.hz / (1 + 0.004 * c)); }
function hxWord(c, i) { return (100000 * (c + 1) + ((i * 977 + c * 131) % 4000) - 2000) & 0xffffff; }
function hxLevel(c) {
  if (!H) return 0;
  var k = H.k[c];
  if (k > 0 && k <= 24) return (H.w[c] >> (24 - k)) & 1;
  return hxConv(c) > H.n[c] ? 0 : 1;
}
function pinMode() {}
function digitalWrite(p, v) { if (H && p === T_SCK[4]) H.hz = v ? 80 : 10; tpeak(); }
function digitalRead(p) {
  if (typeof p === "number") { var c = T_DOUT.indexOf(p); return c < 0 ? 0 : hxLevel(c); }
  var r = 0;
  for (var i = 0; i < p.length; i++) { var d = T_DOUT.indexOf(p[i]); r = (r << 1) | (d < 0 ? 0 : hxLevel(d)); }
  return r;
}
function digitalPulse(p) {
  if (!H || p !== T_SCK[0] || T_SCK[1] !== -1) return;
  for (var c = 0; c < 4; c++) {
    if (H.k[c] === 0) { var i = hxConv(c); if (i <= H.n[c]) continue; H.n[c] = i; H.w[c] = hxWord(c, i); }
    H.k[c]++;
    if (H.k[c] === 25) H.k[c] = 0;
  }
}
if (H) {
  var SPI = function () { this.c = -1; };
  SPI.prototype.setup = function (o) { this.c = T_DOUT.indexOf(o.miso); };
  SPI.prototype.send = function () {
    var c = this.c, i = hxConv(c);
    if (i <= H.n[c]) return new Uint8Array([255, 255, 255]);
    H.n[c] = i;
    var w = hxWord(c, i);
    tpeak();
    return new Uint8Array([w >> 16, (w >> 8) & 255, w & 255]);
  };
}

// The scenario: one step per timer callback, each record [op, len, data...] of Storage file t.scn.
function tstep() {
  var s = T.st.read("t.scn", T.at, 2);
  if (s === undefined || s.length < 2) { tlog("Z no scenario step at " + T.at); return; }
  var op = s[0], n = s.charCodeAt(1), d = n ? T.st.read("t.scn", T.at + 2, n) : "", wait = 50;
  T.at += 2 + n;
  tpeak();
  if (op === "c") { T.c("aa:bb:cc:dd:ee:ff"); }
  else if (op === "u") { T.m(d.charCodeAt(0)); }
  else if (op === "d") { if (T.d) T.d(19); }
  else if (op === "b") { if (T.b) T.b({ state: true }); else tlog("Z no button watch"); }
  else if (op === "w") { T.w({ data: E.toArrayBuffer(d) }); tpeak(); wait = 0; }
  else if (op === "s") { wait = 10 * (d.charCodeAt(0) | (d.charCodeAt(1) << 8)); }
  else if (op === "m") { tlog("P " + T.pk + " " + d); T.pk = 0; tmark(d); }
  else if (op === "z") { tlog("P " + T.pk + " end"); tmark("end"); tlog("Z " + E.getErrorFlags().join(",")); return; }
  setTimeout(tstep, wait);
}
var tp = T.st.read("t.pos");
if (tp !== undefined) { T.at = parseInt(tp, 10); T.st.erase("t.pos"); tlog("K booted"); }
tp = undefined;
if (T_CAP) (function () {
  var goal = T_CAP - T_PRE, f = process.memory().free;
  T.bal = [];
  if (f - goal > 40) T.bal.push(new Uint8Array((f - goal - 20) * 13));
  while (process.memory().free > goal) T.bal.push(0);
  tlog("L " + (process.memory().free + T_PRE) + " " + T.bal.length);
})();
tmark("standins");
setTimeout(tstep, 500);
