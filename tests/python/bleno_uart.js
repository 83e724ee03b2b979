'use strict';
// A Nordic-UART-style bleno peripheral on btvirt, the peer of the Python
// UART example (examples/python/uart_echo.py): RX (...02, write and write
// without response) takes bytes, TX (...03, notify) sends them back upper-
// cased, one notification per write. Writing "STREAM" starts a stream of
// notifications "#1", "#2", ... every 10 ms, and bleno ends the link after
// the 20th while the stream runs (the peer going away mid-stream). Prints
// "UART <event> <detail>" lines.
//   node bleno_uart.js   (btvirt socket: $BTVIRT_SOCKET; name: $PERIPH_NAME)
const path = require('path');
const mods = path.join(__dirname, '..', 'interop', 'node_modules');
require(path.join(__dirname, '..', 'interop', 'btvirt-hci-socket'));
const bleno = require(path.join(mods, '@abandonware', 'bleno'));

const NAME = process.env.PERIPH_NAME || 'bleno-uart';
const SVC = '6e400001b5a3f393e0a9e50e24dcca9e';
const log = (...a) => console.log('UART', ...a);
let notify = null;
let stream = null;

const tx = new bleno.Characteristic({
  uuid: '6e400003b5a3f393e0a9e50e24dcca9e',
  properties: ['notify'],
  onSubscribe(maxValueSize, update) { log('subscribe', maxValueSize); notify = update; },
  onUnsubscribe() { log('unsubscribe'); notify = null; },
});

const rx = new bleno.Characteristic({
  uuid: '6e400002b5a3f393e0a9e50e24dcca9e',
  properties: ['write', 'writeWithoutResponse'],
  onWriteRequest(data, offset, withoutResponse, cb) {
    log('rx', withoutResponse ? 'cmd' : 'req', data.toString('hex'));
    if (!withoutResponse) cb(this.RESULT_SUCCESS);
    if (data.toString() === 'STREAM') {
      let k = 0;
      stream = setInterval(() => {
        if (!notify) return;
        k++;
        notify(Buffer.from(`#${k}`));
        if (k === 20) { log('drop', k); bleno.disconnect(); }
      }, 10);
      return;
    }
    if (notify) notify(Buffer.from(data.toString('latin1').toUpperCase(), 'latin1'));
  },
});

bleno.on('stateChange', (state) => {
  if (state !== 'poweredOn') return;
  bleno.setServices([new bleno.PrimaryService({ uuid: SVC, characteristics: [rx, tx] })], (err) => {
    if (err) { log('error', err); return; }
    bleno.startAdvertising(NAME, [SVC], (e) => log('advertising', e ? `error ${e}` : bleno.address));
  });
});
bleno.on('accept', (addr) => log('accept', addr));
bleno.on('disconnect', (addr) => {
  log('disconnect', addr);
  if (stream) clearInterval(stream);
  stream = null;
  notify = null;
});
