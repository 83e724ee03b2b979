'use strict';
/*
 * Drop-in replacement for the npm module '@abandonware/bluetooth-hci-socket'
 * (the transport that @abandonware/noble and @abandonware/bleno use on Linux)
 * which talks H4 over a unix stream socket to BlueZ's `btvirt -s` instead of
 * an AF_BLUETOOTH kernel socket.  Each bindRaw()/bindUser() opens one
 * connection = one fresh virtual LE controller.
 *
 * Use:  node -r ./btvirt-hci-socket.js app.js      (or require() it first)
 * It hooks Node's module resolver so that every
 * require('@abandonware/bluetooth-hci-socket') returns this module.
 *
 * Env:
 *   BTVIRT_SOCKET    path of btvirt's socket (default /tmp/bt-server-le)
 *   BTVIRT_HCI_TRACE=1  print every H4 packet to stderr ("<" = to controller)
 *   BTVIRT_KERNEL_LOG=1 print only the kernel-emulation lines (LTK requests,
 *                    LOAD_LONG_TERM_KEYS) to stderr; blehost's interop tests
 *                    grep them to tell re-encryption from pairing
 *
 * Interface implemented (what noble/bleno call on the native binding):
 *   new BluetoothHciSocket()             EventEmitter, no args
 *   bindRaw(devId) -> devId              open the H4 link; isDevUp() true
 *   bindUser(devId) -> devId             same, "user channel" semantics
 *   bindControl()                        mgmt socket (bleno's LTK store)
 *   start() / stop()                     no-op / close
 *   isDevUp() -> boolean
 *   setFilter(Buffer16)                  struct hci_filter, applied in raw mode
 *   write(Buffer)                        one whole H4 packet (type byte first)
 *   getDeviceList() -> [{devId, devUp, ...}]
 *   events: 'data' (Buffer: one whole H4 packet, type byte first), 'error'
 *
 * Kernel emulation in raw mode (what Linux does for an HCI_CHANNEL_RAW user):
 *   bleno hands LTKs to the kernel through mgmt LOAD_LONG_TERM_KEYS and
 *   relies on the kernel to answer HCI_LE_Long_Term_Key_Request.  We keep
 *   the table from bindControl().write() and answer the request ourselves
 *   (LTK Reply if address+EDIV+Rand match, else Negative Reply).
 */
const Module = require('module');
const net = require('net');
const { EventEmitter } = require('events');

const H4_CMD = 0x01;
const H4_ACL = 0x02;
const H4_SCO = 0x03;
const H4_EVT = 0x04;
const H4_ISO = 0x05;

const MGMT_OP_LOAD_LONG_TERM_KEYS = 0x0013;

const trace = !!process.env.BTVIRT_HCI_TRACE;
const kernelLog = trace || !!process.env.BTVIRT_KERNEL_LOG;
const ltkTable = []; // {addr: Buffer6 LE, type: 0|1, ediv: Buffer2, rand: Buffer8, key: Buffer16, encSize}

class BluetoothHciSocket extends EventEmitter {
  constructor() {
    super();
    this._mode = null;
    this._sock = null;
    this._up = false;
    this._rx = Buffer.alloc(0);
    this._filter = null;
    this._conns = new Map(); // handle -> {role, peerType, peer}
  }

  _open() {
    if (this._sock) return;
    const path = process.env.BTVIRT_SOCKET || '/tmp/bt-server-le';
    const s = net.createConnection(path);
    s.setNoDelay && s.setNoDelay(true);
    s.on('data', (d) => this._onRx(d));
    s.on('error', (err) => {
      this._up = false;
      process.stderr.write(`btvirt-hci-socket: ${path}: ${err.message}\n`);
      this.emit('error', err);
    });
    s.on('close', () => { this._up = false; });
    this._sock = s;
    // Like hci0 already being up: writes issued before the connect completes
    // are queued by net.Socket and flushed as whole packets.
    this._up = true;
  }

  bindRaw(devId) { this._mode = 'raw'; this._open(); return devId || 0; }
  bindUser(devId) { this._mode = 'user'; this._open(); return devId || 0; }
  bindControl() { this._mode = 'control'; }
  start() {}
  stop() { if (this._sock) { this._sock.destroy(); this._sock = null; } this._up = false; }
  isDevUp() { return this._up; }
  setFilter(filter) { this._filter = Buffer.from(filter); }
  cleanup() {}
  getDeviceList() {
    return [{ devId: 0, devUp: this._up, idVendor: null, idProduct: null, busNumber: null, deviceAddress: null }];
  }

  write(data) {
    if (this._mode === 'control') return this._mgmtWrite(data);
    if (!this._sock) throw new Error('btvirt-hci-socket: write before bind');
    if (trace) process.stderr.write(`< ${data.toString('hex')}\n`);
    this._sock.write(Buffer.from(data)); // one whole H4 packet per write()
  }

  // ---- controller -> host -------------------------------------------------
  _onRx(chunk) {
    this._rx = this._rx.length ? Buffer.concat([this._rx, chunk]) : chunk;
    for (;;) {
      const b = this._rx;
      if (b.length < 1) return;
      let need;
      switch (b[0]) {
        case H4_EVT: if (b.length < 3) return; need = 3 + b[2]; break;
        case H4_ACL: if (b.length < 5) return; need = 5 + b.readUInt16LE(3); break;
        case H4_SCO: if (b.length < 4) return; need = 4 + b[3]; break;
        case H4_ISO: if (b.length < 5) return; need = 5 + (b.readUInt16LE(3) & 0x3fff); break;
        case H4_CMD: if (b.length < 4) return; need = 4 + b[3]; break;
        default:
          process.stderr.write(`btvirt-hci-socket: bad H4 type 0x${b[0].toString(16)}, dropping stream\n`);
          this._rx = Buffer.alloc(0);
          return;
      }
      if (b.length < need) return;
      const pkt = Buffer.from(b.subarray(0, need));
      this._rx = b.subarray(need);
      this._onPacket(pkt);
    }
  }

  _onPacket(pkt) {
    if (trace) process.stderr.write(`> ${pkt.toString('hex')}\n`);
    if (pkt[0] === H4_EVT) this._track(pkt);
    if (this._mode === 'raw' && !this._passFilter(pkt)) return;
    this.emit('data', pkt);
  }

  _passFilter(pkt) {
    const f = this._filter;
    if (!f) return true;
    const type = pkt[0];
    if (!(f.readUInt32LE(0) & (1 << (type & 31)))) return false;
    if (type === H4_EVT) {
      const ev = pkt[1];
      const word = ev < 32 ? f.readUInt32LE(4) : f.readUInt32LE(8);
      if (!(word & (1 << (ev & 31)))) return false;
    }
    return true;
  }

  // Connection bookkeeping + LTK request handling (kernel's job in raw mode).
  _track(pkt) {
    const ev = pkt[1];
    if (ev === 0x05 && pkt.length >= 6) { // Disconnection Complete
      this._conns.delete(pkt.readUInt16LE(4));
      return;
    }
    if (ev !== 0x3e) return;
    const sub = pkt[3];
    if ((sub === 0x01 || sub === 0x0a) && pkt[4] === 0x00) { // (Enhanced) LE Connection Complete
      const handle = pkt.readUInt16LE(5);
      this._conns.set(handle, { role: pkt[7], peerType: pkt[8], peer: Buffer.from(pkt.subarray(9, 15)) });
    } else if (sub === 0x05 && this._mode === 'raw') { // LE Long Term Key Request
      const handle = pkt.readUInt16LE(4);
      const rand = pkt.subarray(6, 14);
      const ediv = pkt.subarray(14, 16);
      const c = this._conns.get(handle);
      // like hci_find_ltk(): key by peer address/type, then EDIV/Rand must match
      const e = c && ltkTable.find((x) => x.addr.equals(c.peer) && x.type === c.peerType);
      const k = e && e.ediv.equals(ediv) && e.rand.equals(rand) ? e : null;
      let cmd;
      if (k) {
        cmd = Buffer.alloc(4 + 18);
        cmd.writeUInt8(H4_CMD, 0); cmd.writeUInt16LE(0x201a, 1); cmd.writeUInt8(18, 3);
        cmd.writeUInt16LE(handle, 4);
        k.key.subarray(0, k.encSize).copy(cmd, 6); // zero-padded past enc size
      } else {
        cmd = Buffer.alloc(4 + 2);
        cmd.writeUInt8(H4_CMD, 0); cmd.writeUInt16LE(0x201b, 1); cmd.writeUInt8(2, 3);
        cmd.writeUInt16LE(handle, 4);
      }
      if (kernelLog) process.stderr.write(`  (kernel-emu) LTK request handle ${handle}: ${k ? 'reply' : 'negative reply'}\n`);
      this.write(cmd);
    }
  }

  // mgmt control socket: only LOAD_LONG_TERM_KEYS matters (bleno smp.js)
  _mgmtWrite(pkt) {
    const op = pkt.readUInt16LE(0);
    if (op !== MGMT_OP_LOAD_LONG_TERM_KEYS) return;
    const n = pkt.readUInt16LE(6);
    ltkTable.length = 0;
    for (let i = 0; i < n; i++) {
      const o = 8 + i * 36;
      const k = {
        addr: Buffer.from(pkt.subarray(o, o + 6)),
        type: pkt[o + 6] - 1, // BDADDR_LE_PUBLIC=1 / LE_RANDOM=2 -> HCI 0/1
        encSize: pkt[o + 9] || 16,
        ediv: Buffer.from(pkt.subarray(o + 10, o + 12)),
        rand: Buffer.from(pkt.subarray(o + 12, o + 20)),
        key: Buffer.from(pkt.subarray(o + 20, o + 36)),
      };
      // a later key for the same peer replaces the earlier one (kernel's hci_add_ltk);
      // bleno re-sends its whole, ever-growing list on every pairing
      const j = ltkTable.findIndex((x) => x.addr.equals(k.addr) && x.type === k.type);
      if (j >= 0) ltkTable[j] = k; else ltkTable.push(k);
    }
    if (kernelLog) process.stderr.write(`  (kernel-emu) mgmt LOAD_LONG_TERM_KEYS: ${n} key(s)\n`);
  }
}

module.exports = BluetoothHciSocket;

// Redirect require('@abandonware/bluetooth-hci-socket') to this file.
const origResolve = Module._resolveFilename;
if (!origResolve.__btvirt) {
  const self = __filename;
  Module._resolveFilename = function (request, ...rest) {
    if (request === '@abandonware/bluetooth-hci-socket') return self;
    return origResolve.call(this, request, ...rest);
  };
  Module._resolveFilename.__btvirt = true;
}
