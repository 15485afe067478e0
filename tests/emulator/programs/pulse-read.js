// Reads four HX711 on a shared clock with digitalPulse-timed clock pulses, at 80 Hz (RATE high).
var SCK = 14, RATE = 15, DOUT = [16, 17, 18, 19];
var out = [];
var misses = 0;
pinMode(SCK, "output");
digitalWrite(SCK, 0);
pinMode(RATE, "output");
digitalWrite(RATE, 1);
for (var i = 0; i < 4; i++) pinMode(DOUT[i], "input");
function readAll() {
  var v = [0, 0, 0, 0];
  for (var b = 0; b < 24; b++) {
    digitalPulse(SCK, 1, 0.01);
    var bits = digitalRead(DOUT);
    v[0] = (v[0] << 1) | ((bits >> 3) & 1);
    v[1] = (v[1] << 1) | ((bits >> 2) & 1);
    v[2] = (v[2] << 1) | ((bits >> 1) & 1);
    v[3] = (v[3] << 1) | (bits & 1);
  }
  digitalPulse(SCK, 1, 0.01);
  for (var c = 0; c < 4; c++) v[c] = (v[c] << 8) >> 8;
  return v;
}
function poll() {
  if (digitalRead(DOUT) !== 0) { misses++; return; }
  out.push(readAll());
}
setInterval(poll, 5);
