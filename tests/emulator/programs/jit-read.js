// The same digitalPulse read as pulse-read.js, inside a "jit" function, at 10 Hz (RATE low).
var SCK = 14, RATE = 15, DOUT = [16, 17, 18, 19];
var out = [];
var words = new Int32Array(4);
pinMode(SCK, "output");
digitalWrite(SCK, 0);
pinMode(RATE, "output");
digitalWrite(RATE, 0);
function readJit(sck, douts, v) {
  "jit";
  v[0] = 0; v[1] = 0; v[2] = 0; v[3] = 0;
  for (var b = 0; b < 24; b++) {
    digitalPulse(sck, 1, 0.01);
    var bits = digitalRead(douts);
    v[0] = (v[0] << 1) | ((bits >> 3) & 1);
    v[1] = (v[1] << 1) | ((bits >> 2) & 1);
    v[2] = (v[2] << 1) | ((bits >> 1) & 1);
    v[3] = (v[3] << 1) | (bits & 1);
  }
  digitalPulse(sck, 1, 0.01);
}
function rejected(x) {
  "jit";
  if (typeof x === "number") return 1;
  return 0;
}
var polling = false;
function tryRead() {
  if (digitalRead(DOUT) !== 0) { setTimeout(tryRead, 2); return; }
  polling = false;
  readJit(SCK, DOUT, words);
  out.push([(words[0] << 8) >> 8, (words[1] << 8) >> 8, (words[2] << 8) >> 8, (words[3] << 8) >> 8, getTime()]);
}
// DOUT of cell 0 falling = its data is ready; the other chips (a few % apart) may need a moment.
// The watch also sees cell 0's data bits toggle during a read: `polling` ignores those.
setWatch(function () {
  if (polling) return;
  polling = true;
  tryRead();
}, DOUT[0], { repeat: true, edge: "falling", debounce: 0 });
