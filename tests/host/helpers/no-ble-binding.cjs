// Preloaded with `node --require` so that this process sees noble's native Bluetooth binding as
// never built (what a machine gets from `npm ci` without a compiler), whatever this checkout has.
const Module = require('node:module');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (/bluetooth_hci_socket\.node$|noble[\\/]build[\\/]Release[\\/]binding\.node$/.test(request)) {
    const e = new Error(`Cannot find module '${request}'`);
    e.code = 'MODULE_NOT_FOUND';
    throw e;
  }
  return load.call(this, request, parent, isMain);
};
