'use strict';
// noble on btvirt for the noble_*.js centrals: waits for poweredOn, scans
// (duplicates allowed) until an advertiser named NAME shows up, stops
// scanning and returns its peripheral object.
const path = require('path');
const mods = path.join(__dirname, '..', 'interop', 'node_modules');
require(path.join(__dirname, '..', 'interop', 'btvirt-hci-socket'));
const noble = require(path.join(mods, '@abandonware', 'noble'));

async function findByName(name) {
  await new Promise((resolve) => {
    if (noble.state === 'poweredOn') resolve();
    else noble.once('stateChange', resolve);
  });
  const found = new Promise((resolve) => {
    noble.on('discover', function onDiscover(p) {
      if (p.advertisement.localName !== name) return;
      noble.removeListener('discover', onDiscover);
      resolve(p);
    });
  });
  await noble.startScanningAsync([], true);
  const p = await found;
  await noble.stopScanningAsync();
  return p;
}

module.exports = { noble, findByName };
