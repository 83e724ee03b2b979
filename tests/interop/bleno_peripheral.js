'use strict';
// Test A's peer: a bleno GATT peripheral on a btvirt virtual controller with a
// database designed for blehost's central-side interop test.
//   node bleno_peripheral.js      (btvirt socket: $BTVIRT_SOCKET or /tmp/bt-server-le)
// Env: PERIPH_NAME (advertised name, default "bleno-interop"),
//      BLENO_DEVICE_NAME (GAP Device Name; set by the test so it does not
//      depend on the hostname).
// Prints one line per event, "PERIPH <event> <details>", which
// test_blehost_central.sh greps. Every value is deterministic (no counters
// that depend on timing) so the blehost traces replay byte for byte.
//
// Service 7e5a0000-1b2c-4d3e-8f40-5a6b7c8d9e00:
//   ...01 read                          "bleno interop read"
//   ...02 read (long)                   512 bytes, byte k = (k*7+3) & 0xff
//   ...03 read, write, write-w/o-resp   stores the value (up to 512 bytes)
//   ...04 notify                        3 notifications "notify #1".."#3", 30 ms apart
//   ...05 indicate                      3 indications "indicate #1".."#3",
//                                       the next one after each confirmation
//   ...06 read, secure: ['read']        "encrypted secret"; ATT error 0x05 until encrypted
require('./btvirt-hci-socket');
const bleno = require('@abandonware/bleno');

const NAME = process.env.PERIPH_NAME || 'bleno-interop';
const BASE = '7e5a00001b2c4d3e8f405a6b7c8d9e0';
const SVC = `${BASE}0`;
const LONG_LEN = 512; // ATT's maximum attribute value length (Core Vol 3 Part F 3.2.9)
const N_EVENTS = 3;
const log = (...a) => console.log('PERIPH', ...a);

const longValue = Buffer.alloc(LONG_LEN).map((_, k) => (k * 7 + 3) & 0xff);
let stored = Buffer.from('initial');

const readChr = new bleno.Characteristic({
  uuid: `${BASE}1`,
  properties: ['read'],
  onReadRequest(offset, cb) {
    log('read', 'short', offset);
    cb(this.RESULT_SUCCESS, Buffer.from('bleno interop read').subarray(offset));
  },
});

const longChr = new bleno.Characteristic({
  uuid: `${BASE}2`,
  properties: ['read'],
  onReadRequest(offset, cb) {
    log('read', 'long', offset);
    if (offset > longValue.length) { cb(this.RESULT_INVALID_OFFSET); return; }
    cb(this.RESULT_SUCCESS, longValue.subarray(offset));
  },
});

const rwChr = new bleno.Characteristic({
  uuid: `${BASE}3`,
  properties: ['read', 'write', 'writeWithoutResponse'],
  onReadRequest(offset, cb) {
    log('read', 'rw', offset, `len=${stored.length}`);
    if (offset > stored.length) { cb(this.RESULT_INVALID_OFFSET); return; }
    cb(this.RESULT_SUCCESS, stored.subarray(offset));
  },
  onWriteRequest(data, offset, withoutResponse, cb) {
    // bleno assembles Prepare Write segments itself and calls us once, offset 0
    if (offset !== 0) { cb(this.RESULT_ATTR_NOT_LONG); return; }
    if (data.length > LONG_LEN) { cb(this.RESULT_INVALID_ATTRIBUTE_LENGTH); return; }
    stored = Buffer.from(data);
    log('write', withoutResponse ? 'cmd' : 'req', `len=${data.length}`, data.toString('hex'));
    cb(this.RESULT_SUCCESS);
  },
});

// bleno sends notifications whenever 'notify' is among the properties, whatever
// the CCCD says, so notify and indicate need two characteristics.
const notifyChr = new bleno.Characteristic({
  uuid: `${BASE}4`,
  properties: ['notify'],
  onSubscribe(maxValueSize, update) {
    log('subscribe', 'notify', maxValueSize);
    let n = 0;
    // after bleno's Write Response to the CCCD write, not before it
    const timer = setInterval(() => {
      n++;
      update(Buffer.from(`notify #${n}`));
      if (n >= N_EVENTS) clearInterval(timer);
    }, 30);
    this._timer = timer;
  },
  onUnsubscribe() { log('unsubscribe', 'notify'); clearInterval(this._timer); },
  onNotify() { log('notify-sent'); },
});

const indicateChr = new bleno.Characteristic({
  uuid: `${BASE}5`,
  properties: ['indicate'],
  onSubscribe(maxValueSize, update) {
    log('subscribe', 'indicate', maxValueSize);
    this._n = 1;
    this._update = update;
    setTimeout(() => update(Buffer.from('indicate #1')), 30);
  },
  onUnsubscribe() { log('unsubscribe', 'indicate'); this._update = null; },
  onIndicate() {
    log('indicate-confirmed', this._n);
    // Not synchronously: bleno clears its "last indicated attribute" right
    // after this handler returns, which would swallow the next confirmation.
    if (this._update && this._n < N_EVENTS) {
      setTimeout(() => {
        if (!this._update) return;
        this._n++;
        this._update(Buffer.from(`indicate #${this._n}`));
      }, 10);
    }
  },
});

const secureChr = new bleno.Characteristic({
  uuid: `${BASE}6`,
  properties: ['read'],
  secure: ['read'], // ATT error 0x05 (Insufficient Authentication) until encrypted
  onReadRequest(offset, cb) {
    log('secure-read', offset);
    cb(this.RESULT_SUCCESS, Buffer.from('encrypted secret').subarray(offset));
  },
});

bleno.on('stateChange', (state) => {
  log('state', state);
  if (state !== 'poweredOn') return;
  log('address', bleno.address); // bleno sets .address but emits no event
  bleno.setServices([new bleno.PrimaryService({
    uuid: SVC,
    characteristics: [readChr, longChr, rwChr, notifyChr, indicateChr, secureChr],
  })], (err) => {
    if (err) { log('setServices-error', err); return; }
    bleno.startAdvertising(NAME, [SVC], (e) => log('advertising', e ? `error ${e}` : NAME));
  });
});
// bleno has no pairing/encryption events: watch its ACL stream (set just
// before 'accept') so the test can tell a new pairing (SMP Pairing Request)
// from a re-encryption with the bond (encryption without SMP traffic).
const SMP_NAMES = { 1: 'pairing-request', 3: 'pairing-confirm', 4: 'pairing-random', 5: 'pairing-failed' };
bleno.on('accept', (addr) => {
  log('accept', addr);
  const acl = bleno._bindings && bleno._bindings._aclStream;
  if (!acl) { log('no-acl-stream'); return; }
  acl.on('data', (cid, data) => {
    if (cid === 0x0006 && data.length) log('smp', SMP_NAMES[data[0]] || `code-${data[0]}`);
  });
  acl.on('encryptChange', (on) => log('encrypt', on ? 'on' : 'off'));
});
bleno.on('mtuChange', (mtu) => log('mtu', mtu));
bleno.on('disconnect', (addr) => log('disconnect', addr));
process.on('SIGTERM', () => process.exit(0));
