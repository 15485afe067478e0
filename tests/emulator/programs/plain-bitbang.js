// The naive read: clock high, read, clock low, in plain interpreted JS. On the device each
// statement takes 80-300 us, so the clock stays high past the HX711's 60 us power-down limit.
var SCK = 14, DOUT = [16, 17, 18, 19];
var out = [];
pinMode(SCK, "output");
digitalWrite(SCK, 0);
function readAll() {
  var v = [0, 0, 0, 0];
  for (var b = 0; b < 24; b++) {
    digitalWrite(SCK, 1);
    var bits = digitalRead(DOUT);
    digitalWrite(SCK, 0);
    v[0] = (v[0] << 1) | ((bits >> 3) & 1);
    v[1] = (v[1] << 1) | ((bits >> 2) & 1);
    v[2] = (v[2] << 1) | ((bits >> 1) & 1);
    v[3] = (v[3] << 1) | (bits & 1);
  }
  digitalWrite(SCK, 1);
  digitalWrite(SCK, 0);
  return v;
}
setInterval(function () {
  if (digitalRead(DOUT) === 0) out.push(readAll());
}, 20);
