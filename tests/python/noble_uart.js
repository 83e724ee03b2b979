'use strict';
// A noble (Node) central for the _bleio UART peripheral
// (examples/python/bleio_uart.py peripheral): scans for NAME, connects,
// subscribes to TX, writes each argument plus "\n" to RX (with and without
// response, alternately) and expects it back upper-cased. Prints
// "NOBLE <step> <detail>"; the last line is "NOBLE PASS" (exit 0) or
// "NOBLE FAIL <why>" (exit 1).
//   node noble_uart.js NAME LINE...   (btvirt socket: $BTVIRT_SOCKET)
const { findByName } = require('./noble_find');

const NAME = process.argv[2];
const LINES = process.argv.slice(3);
const RX = '6e400002b5a3f393e0a9e50e24dcca9e';
const TX = '6e400003b5a3f393e0a9e50e24dcca9e';
const log = (...a) => console.log('NOBLE', ...a);
setTimeout(() => { log('FAIL timeout'); process.exit(1); }, 30000).unref();

async function run() {
  const p = await findByName(NAME);
  await p.connectAsync();
  log('connected', p.address);
  const { characteristics } = await p.discoverAllServicesAndCharacteristicsAsync();
  const chr = Object.fromEntries(characteristics.map((c) => [c.uuid, c]));
  const replies = [];
  let wake = null;
  chr[TX].on('data', (d) => { replies.push(Buffer.from(d).toString()); if (wake) wake(); });
  await chr[TX].subscribeAsync();
  for (let i = 0; i < LINES.length; i++) {
    await chr[RX].writeAsync(Buffer.from(LINES[i] + '\n'), i % 2 === 1);
    if (!replies.length) await new Promise((r) => { wake = r; setTimeout(r, 5000); });
    const got = replies.shift();
    log('reply', JSON.stringify(got));
    if (got !== LINES[i].toUpperCase() + '\n') throw new Error(`reply ${got} to ${LINES[i]}`);
  }
  await p.disconnectAsync();
  log('PASS');
  process.exit(0);
}

run().catch((e) => { log('FAIL', e.message); process.exit(1); });
