'use strict';
// Checks blehost --json output (one JSON object per line) for the interop tests.
//   node check_json.js KIND FILE [ARGS...]
// Exit 0 when every assertion holds, 1 with the reasons on stderr otherwise.
// Kinds:
//   scan FILE ADDR NAME SVC          a report from ADDR, named NAME, listing SVC
//   gatt-bleno FILE                  the full tree of bleno_peripheral.js
//   value FILE HEX                   one {"handle","value"} line with value HEX
//   events FILE EVENT TEXT1 TEXT2... one EVENT line per TEXT, in order, values = TEXT
//   periph-log FILE                  blehost peripheral --json run against noble_central.js
const fs = require('fs');

const [kind, file, ...args] = process.argv.slice(2);
const errors = [];
const expect = (cond, msg) => { if (!cond) errors.push(msg); };
const hex = (s) => Buffer.from(s).toString('hex');
const BASE = '7e5a0000-1b2c-4d3e-8f40-5a6b7c8d9e0';
// bleno_peripheral.js's long value: byte k = (k*7+3) & 0xff, 512 bytes
const LONG = Buffer.alloc(512).map((_, k) => (k * 7 + 3) & 0xff).toString('hex');

function lines() {
  const out = [];
  for (const l of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!l.trim()) continue;
    try { out.push(JSON.parse(l)); } catch (e) { errors.push(`not JSON: ${l.slice(0, 80)}`); }
  }
  return out;
}

function scan() {
  const [addr, name, svc] = args;
  const reps = lines().filter((r) => r.address === addr);
  expect(reps.length > 0, `no report from ${addr}`);
  const r = reps.find((x) => x.name === name);
  expect(r, `no report from ${addr} with name ${name}`);
  if (!r) return;
  expect(r.type === 'public', `type ${r.type}`);
  expect(r.connectable === true, 'not connectable');
  expect((r.service_uuids || []).includes(svc), `service_uuids ${JSON.stringify(r.service_uuids)} lacks ${svc}`);
  // bleno puts its name in the scan response as a Shortened Local Name (0x08)
  const nameAd = (t) => `${(name.length + 1).toString(16).padStart(2, '0')}${t}${hex(name)}`;
  expect([nameAd('08'), nameAd('09')].includes(r.raw_scan_response),
    `scan response ${r.raw_scan_response} is not just the local name`);
  expect(r.scan_response === true, 'name not seen in a scan response');
}

function gattBleno() {
  const all = lines();
  expect(all.length === 1, `${all.length} JSON lines, want 1`);
  const t = all[0] || {};
  expect(t.address === '00:AA:01:00:00:42', `address ${t.address}`);
  expect(t.mtu === 256, `mtu ${t.mtu} (bleno caps at 256)`);
  const svcs = t.services || [];
  expect(svcs.map((s) => s.uuid).join(',') === `1800,1801,${BASE}0`,
    `services ${svcs.map((s) => s.uuid).join(',')}`);
  const demo = svcs.find((s) => s.uuid === `${BASE}0`);
  if (!demo) return;
  expect(demo.primary === true, 'demo service not primary');
  const want = [
    ['1', ['read'], hex('bleno interop read')],
    ['2', ['read'], LONG],
    ['3', ['read', 'write-without-response', 'write'], null],
    ['4', ['notify'], undefined],
    ['5', ['indicate'], undefined],
    // `blehost gatt` does not pair to print a tree: it reports what the server
    // refused (case a-pair-read then pairs through a read).
    ['6', ['read'], { error: 'ATT: Insufficient Authentication (0x05)' }],
  ];
  const chrs = demo.characteristics || [];
  expect(chrs.length === want.length, `${chrs.length} characteristics, want ${want.length}`);
  let prev = demo.start;
  for (const [suffix, props, value] of want) {
    const c = chrs.find((x) => x.uuid === `${BASE}${suffix}`);
    if (!c) { errors.push(`characteristic ...0${suffix} missing`); continue; }
    expect(c.handle > prev && c.value_handle === c.handle + 1 && c.value_handle <= demo.end,
      `...0${suffix}: handles ${c.handle}/${c.value_handle} out of order or outside the service`);
    prev = c.value_handle;
    expect(JSON.stringify(c.properties) === JSON.stringify(props),
      `...0${suffix}: properties ${JSON.stringify(c.properties)}`);
    if (value === undefined) expect(!('value' in c) && !('error' in c), `...0${suffix}: read a non-readable value`);
    else if (value === null) expect(typeof c.value === 'string', `...0${suffix}: no value (${c.error})`);
    else if (typeof value === 'object') expect(!('value' in c) && c.error === value.error, `...0${suffix}: ${c.value} / ${c.error}, want error ${value.error}`);
    else expect(c.value === value, `...0${suffix}: value ${c.value} (${c.error}), want ${value.slice(0, 40)}...`);
    const cccd = (c.descriptors || []).filter((d) => d.uuid === '2902');
    const wantCccd = props.includes('notify') || props.includes('indicate') ? 1 : 0;
    expect(cccd.length === wantCccd, `...0${suffix}: ${cccd.length} CCCDs, want ${wantCccd}`);
  }
}

function value() {
  const all = lines();
  expect(all.length === 1, `${all.length} JSON lines, want 1`);
  const v = (all[0] || {}).value;
  expect(v === args[0].toLowerCase(), `value ${v && v.slice(0, 60)}... (${v && v.length / 2} bytes), want ${args[0].length / 2} bytes`);
}

function events() {
  const [ev, ...texts] = args;
  const all = lines();
  expect(all.length === texts.length, `${all.length} events, want ${texts.length}`);
  texts.forEach((t, i) => {
    const e = all[i] || {};
    expect(e.event === ev, `event ${i}: ${e.event}, want ${ev}`);
    expect(e.value === hex(t), `event ${i}: value ${e.value}, want "${t}"`);
  });
  expect(new Set(all.map((e) => e.handle)).size === 1, 'events from several handles');
}

// blehost peripheral's event log after noble_central.js ran against it.
function periphLog() {
  const all = lines();
  const ev = (name) => all.filter((e) => e.event === name);
  const detail = (name, re) => ev(name).some((e) => re.test(e.detail));
  expect(detail('advertising', /Heart Rate/), 'no advertising event');
  expect(ev('connected').length === 1, `${ev('connected').length} connections, want 1`);
  expect(ev('disconnected').length === 1, `${ev('disconnected').length} disconnections, want 1`);
  const reqs = ev('request').map((e) => e.detail);
  const has = (re, what) => expect(reqs.some((d) => re.test(d)), `no ${what} request served`);
  has(/^Read By Group Type/i, 'primary service discovery');
  has(/^Read By Type/i, 'characteristic discovery');
  has(/^Find Information/i, 'descriptor discovery');
  has(/^Read Request/i, 'read');
  has(/^Read Blob Request/i, 'read blob (long read)');
  has(/^Write Request/i, 'write');
  has(/^Write Command/i, 'write without response');
  has(/^Prepare Write Request/i, 'prepare write (long write)');
  has(/^Execute Write Request/i, 'execute write (long write)');
  expect(detail('subscribe', /CCCD=1 \(notifications\)/), 'no notification subscription');
  expect(detail('subscribe', /CCCD=2 \(indications\)/), 'no indication subscription');
  expect(detail('notify', /heart rate/), 'no heart rate notification sent');
  expect(detail('indicated', /confirmed/), 'no indication confirmed');
  expect(detail('paired', /^success/), 'no successful pairing');
  expect(detail('encryption', /^on/), 'encryption never on');
  const exit = ev('exit');
  expect(exit.length === 1 && exit[0].detail === 'timeout', 'no clean exit at --timeout');
}

const kinds = { scan, 'gatt-bleno': gattBleno, value, events, 'periph-log': periphLog };
if (!kinds[kind] || !file) {
  console.error('usage: node check_json.js scan|gatt-bleno|value|events|periph-log FILE [ARGS...]');
  process.exit(2);
}
try { kinds[kind](); } catch (e) { errors.push(`${file}: ${e.message}`); }
for (const e of errors) console.error(`  ${kind}: ${e}`);
process.exit(errors.length ? 1 : 0);
