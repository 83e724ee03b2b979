'use strict';
// A noble (Node) central for the bluez-peripheral-style heart-rate
// peripheral (examples/python/heart_rate_peripheral.py, blehost.peripheral):
// scans for NAME, connects, discovers every service, characteristic and
// descriptor, reads Body Sensor Location and the control point's label,
// writes the control point and the label,
// subscribes to Heart Rate Measurement and takes two notifications whose
// energy counter moves by one. Prints "NOBLE <step> <detail>"; the last line
// is "NOBLE PASS" (exit 0) or "NOBLE FAIL <why>" (exit 1).
//   node noble_heart_rate.js NAME   (btvirt socket: $BTVIRT_SOCKET)
const { findByName } = require('./noble_find');

const NAME = process.argv[2];
const log = (...a) => console.log('NOBLE', ...a);
setTimeout(() => { log('FAIL timeout'); process.exit(1); }, 30000).unref();
const check = (ok, what) => { if (!ok) throw new Error(what); };

async function run() {
  const p = await findByName(NAME);
  log('found', p.address, JSON.stringify(p.advertisement.serviceUuids));
  check(p.advertisement.serviceUuids.includes('180d'), 'Heart Rate not advertised');
  await p.connectAsync();
  log('connected', p.address);
  const { services, characteristics } = await p.discoverAllServicesAndCharacteristicsAsync();
  log('services', JSON.stringify(services.map((s) => s.uuid)));
  check(services.some((s) => s.uuid === '180d'), 'no Heart Rate service');
  const chr = Object.fromEntries(characteristics.map((c) => [c.uuid, c]));
  for (const u of ['2a37', '2a38', '2a39']) check(chr[u], `no ${u}`);
  log('properties', JSON.stringify(['2a37', '2a38', '2a39'].map((u) => chr[u].properties)));

  const bsl = await chr['2a38'].readAsync();
  log('read 2a38', bsl.toString('hex'));
  check(bsl.equals(Buffer.from([2])), 'body sensor location');
  const descs = await chr['2a39'].discoverDescriptorsAsync();
  const label = descs.find((d) => d.uuid === '2a3a');
  check(label, 'no label descriptor');
  const lv = await label.readValueAsync();
  log('read label', JSON.stringify(lv.toString()));
  check(lv.toString() === 'wrist', 'label');

  await chr['2a39'].writeAsync(Buffer.from([1]), false);
  log('write 2a39 01 ok');
  // (A refused write is not tried: noble 1.9.2 never completes a write that
  // gets an ATT Error Response, and its command queue stops there.)
  await label.writeValueAsync(Buffer.from('chest'));
  const lv2 = await label.readValueAsync();
  log('label now', JSON.stringify(lv2.toString()));
  check(lv2.toString() === 'chest', 'label write');

  const got = [];
  let wake = null;
  chr['2a37'].on('data', (d, isNotification) => {
    if (!isNotification) return;
    got.push(Buffer.from(d));
    if (wake) wake();
  });
  await chr['2a37'].subscribeAsync();
  while (got.length < 2) await new Promise((r) => { wake = r; setTimeout(r, 3000); });
  const energy = got.map((b) => b.readUInt16LE(2));
  log('notifications', JSON.stringify(got.map((b) => b.toString('hex'))));
  check(got[0][0] === 0x08 && energy[1] === energy[0] + 1, 'energy counter');
  await chr['2a37'].unsubscribeAsync();
  await p.disconnectAsync();
  log('PASS');
  process.exit(0);
}

run().catch((e) => { log('FAIL', e.message); process.exit(1); });
