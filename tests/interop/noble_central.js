'use strict';
// Test B's peer: a noble GATT central on a btvirt virtual controller, run
// against `blehost peripheral` (the demo database of tools/demo_db.c).
//   node noble_central.js NAME     (btvirt socket: $BTVIRT_SOCKET or /tmp/bt-server-le)
// Scans for NAME, connects, discovers everything, reads (incl. the 300-byte
// long value), writes (request, command, long), subscribes to Heart Rate
// notifications and to the demo indication, reads the encryption-only value
// (blehost answers 0x05, noble pairs legacy Just Works and retries) and
// disconnects. Prints "CENTRAL <step> <details>" lines; the last is
// "CENTRAL PASS" (exit 0) or "CENTRAL FAIL <why>" (exit 1; 2 on timeout).
// Env: CENTRAL_TIMEOUT_MS (whole run, default 30000).
require('./btvirt-hci-socket');
const noble = require('@abandonware/noble');

const NAME = process.argv[2] || 'blehost-interop';
const TIMEOUT_MS = parseInt(process.env.CENTRAL_TIMEOUT_MS || '30000', 10);
const DEMO = (n) => `b1e400007a2d4c2b9a8e1e5b0a0c0d0${n}`;
const log = (...a) => console.log('CENTRAL', ...a);
const assert = (c, m) => { if (!c) throw new Error(`assertion failed: ${m}`); };

setTimeout(() => { log('FAIL timeout'); process.exit(2); }, TIMEOUT_MS).unref();

// resolves with the first n 'data' events of a characteristic, or rejects
function nextData(chr, n, tmo) {
  return new Promise((resolve, reject) => {
    const got = [];
    const t = setTimeout(() => { chr.removeListener('data', on); reject(new Error(`${got.length} of ${n} values from ${chr.uuid}`)); }, tmo);
    function on(data, isNotification) {
      got.push({ data: Buffer.from(data), isNotification });
      if (got.length >= n) { clearTimeout(t); chr.removeListener('data', on); resolve(got); }
    }
    chr.on('data', on);
  });
}

async function findPeripheral() {
  const found = new Promise((resolve) => {
    noble.on('discover', function onDiscover(p) {
      const ad = p.advertisement;
      if (ad.localName !== NAME) return;
      log('discover', p.address, p.addressType, JSON.stringify(ad.localName),
        (ad.serviceUuids || []).join(','), `connectable=${p.connectable}`);
      noble.removeListener('discover', onDiscover);
      resolve(p);
    });
  });
  // duplicates: the name may come in the scan response, after the ADV_IND
  await noble.startScanningAsync([], true);
  const p = await found;
  await noble.stopScanningAsync();
  return p;
}

async function run() {
  const p = await findPeripheral();
  assert((p.advertisement.serviceUuids || []).includes('180d'), 'Heart Rate advertised');
  await p.connectAsync();
  log('connected', p.address);

  const { services, characteristics } = await p.discoverAllServicesAndCharacteristicsAsync();
  log('services', services.map((s) => s.uuid).join(','));
  for (const u of ['180d', '180f', '180a', DEMO(0)]) assert(services.some((s) => s.uuid === u), `service ${u}`);
  // noble 1.9.2-26 bug: it takes the server's Rx MTU from the Exchange MTU
  // Response as the ATT_MTU (gatt.js exchangeMtu) instead of min(client 256,
  // server), Core Vol 3 Part F 3.4.2.2. Against blehost (Rx MTU 517) it would
  // stop long reads after one 255-byte response and send Write Requests longer
  // than the real ATT_MTU. The MTU exchange is the first request on the link
  // (done by now); clamp noble's value to what was really negotiated.
  const gatt = noble._bindings._gatts[noble._bindings._handles[p.uuid]];
  if (gatt && gatt._mtu > 256) {
    log('noble-mtu-workaround', `server Rx MTU ${gatt._mtu}, ATT_MTU min(256, ${gatt._mtu}) = 256`);
    gatt._mtu = 256;
  }
  assert(gatt && gatt._mtu === 256, `ATT_MTU ${gatt && gatt._mtu}`);
  const chr = Object.fromEntries(characteristics.map((c) => [c.uuid, c]));
  log('characteristics', characteristics.map((c) => `${c.uuid.slice(-4)}:${c.properties.join('|')}`).join(' '));
  for (const u of ['2a37', '2a38', '2a19', '2a29', '2a24', DEMO(1), DEMO(2), DEMO(3), DEMO(4), DEMO(5)]) {
    assert(chr[u], `characteristic ${u}`);
  }
  assert(chr['2a37'].properties.includes('notify'), '2a37 notifies');
  assert(chr[DEMO(3)].properties.includes('indicate'), '0d03 indicates');
  const descs = await chr[DEMO(1)].discoverDescriptorsAsync();
  log('descriptors 0d01', descs.map((d) => d.uuid).join(','));
  assert(descs.some((d) => d.uuid === '2901'), 'user description on 0d01');

  const loc = await chr['2a38'].readAsync();
  assert(loc.toString('hex') === '01', `sensor location ${loc.toString('hex')}`);
  const mfr = await chr['2a29'].readAsync();
  log('read 2a29', JSON.stringify(mfr.toString()));
  assert(mfr.toString() === 'blehost project', 'manufacturer name');

  // 300-byte value: Read, then Read Blob (noble continues while a response fills the MTU)
  const long = await chr[DEMO(1)].readAsync();
  log('read 0d01', `len=${long.length}`);
  assert(long.equals(Buffer.alloc(300).map((_, k) => k & 0xff)), `300-byte value (${long.length} bytes)`);

  await chr[DEMO(1)].writeAsync(Buffer.from('hello blehost'), false); // Write Request
  const back = await chr[DEMO(1)].readAsync();
  log('write+read 0d01', JSON.stringify(back.toString()));
  assert(back.toString() === 'hello blehost', 'read back after Write Request');

  const big = Buffer.alloc(400).map((_, k) => (k * 11 + 5) & 0xff);
  await chr[DEMO(1)].writeAsync(big, false); // > ATT_MTU-3: Prepare + Execute Write
  const bigBack = await chr[DEMO(1)].readAsync();
  log('long write+read 0d01', `len=${bigBack.length}`);
  assert(bigBack.equals(big), `read back after long write (${bigBack.length} bytes)`);

  await chr[DEMO(2)].writeAsync(Buffer.from('c0ffee', 'hex'), true); // Write Command
  const cmdBack = await chr[DEMO(2)].readAsync(); // ATT is ordered: the command came first
  log('write-cmd+read 0d02', cmdBack.toString('hex'));
  assert(cmdBack.toString('hex') === 'c0ffee', 'read back after Write Command');

  // Heart Rate: blehost notifies once a second while subscribed (60 bpm, +1 per tick)
  const hr = nextData(chr['2a37'], 2, 5000);
  await chr['2a37'].subscribeAsync();
  const beats = await hr;
  await chr['2a37'].unsubscribeAsync();
  log('heart-rate', beats.map((b) => `${b.data.toString('hex')}${b.isNotification ? '' : '(?)'}`).join(' '));
  assert(beats.every((b) => b.isNotification && b.data.length === 2 && b.data[0] === 0), 'HRM format');
  assert(beats[1].data[1] === beats[0].data[1] + 1, 'heart rate increments');

  // demo indication: blehost indicates a counter when the CCCD gets 0x0002
  const ind = nextData(chr[DEMO(3)], 1, 3000);
  await chr[DEMO(3)].subscribeAsync();
  const [i1] = await ind;
  log('indication 0d03', i1.data.toString('hex'));
  assert(i1.data.toString('hex') === '01', 'first indication is counter 1');
  await chr[DEMO(3)].unsubscribeAsync();

  // encryption-only value: 0x05 -> noble pairs (legacy Just Works) -> retry
  const s = await chr[DEMO(4)].readAsync();
  log('read 0d04', JSON.stringify(s.toString()));
  assert(s.toString() === 'encrypted secret', 'encrypted value');

  await p.disconnectAsync();
  log('disconnected');
}

const poweredOn = new Promise((resolve) => noble.on('stateChange', (s) => {
  log('state', s);
  if (s === 'poweredOn') resolve();
})); // the first 'stateChange' listener starts noble's HCI init
(async () => {
  await poweredOn; // noble throws if startScanning() comes before this
  log('address', noble.address);
  await run();
  log('PASS');
  process.exit(0);
})().catch((e) => { log('FAIL', e.message); process.exit(1); });
