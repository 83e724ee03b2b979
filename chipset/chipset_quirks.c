/* The quirk table: every USB device blehost treats specially, with why.
 *
 * A row names the driver to run and the quirks to apply; its evidence says
 * where the ID and the behaviour are documented (the Linux btusb device
 * table, vendor product pages, the projects that ship the firmware). Rows
 * with pid 0xffff match any product of the vendor whose interface is the
 * Bluetooth class, as btusb's vendor-and-interface rules do. Exact rows come
 * before vendor-wide ones.
 *
 * Two quirks are recognised by behaviour instead (bh_chipset_behaviour_quirks),
 * because the same IDs are used by good and bad parts.
 *
 * Nothing here has been tried on hardware by this project: every row is
 * second-hand evidence, checked against the fake controllers in
 * tests/chipset/ that follow the documented protocols.
 */
#include "chipset_internal.h"

#include <stdio.h>
#include <string.h>

static const struct bh_chipset_quirk table[] = {
	/* Realtek: mute or half-working until patched; the ROM does run
	 * basic LE, which is why a missing firmware file is not fatal. */
	{ 0x2357, 0x0604, BH_CHIPSET_REALTEK, BH_QUIRK_NEEDS_PATCH | BH_QUIRK_ROM_WORKS,
	  "TP-Link UB500 (RTL8761BUV)", "Linux btusb table (BTUSB_REALTEK); rtl8761bu_fw.bin" },
	{ 0x0b05, 0x190e, BH_CHIPSET_REALTEK, BH_QUIRK_NEEDS_PATCH | BH_QUIRK_ROM_WORKS,
	  "ASUS USB-BT500 (RTL8761BU)", "Linux btusb table (BTUSB_REALTEK)" },
	{ 0x0bda, 0x8771, BH_CHIPSET_REALTEK, BH_QUIRK_NEEDS_PATCH | BH_QUIRK_ROM_WORKS,
	  "Realtek RTL8761B reference dongles", "Linux btusb table (BTUSB_REALTEK)" },
	{ 0x0bda, 0xffff, BH_CHIPSET_REALTEK, BH_QUIRK_NEEDS_PATCH | BH_QUIRK_ROM_WORKS,
	  "any Realtek Bluetooth interface",
	  "btusb matches vendor 0bda with class e0/01/01 as Realtek" },
	/* Broadcom: the ROM works; patchram fixes bugs and adds features. */
	{ 0x0a5c, 0x21e8, BH_CHIPSET_BROADCOM, BH_QUIRK_ROM_WORKS,
	  "BCM20702A0 dongles (Plugable, Kinivo)", "Linux btusb table (BTUSB_BCM_PATCHRAM)" },
	{ 0x0a5c, 0xffff, BH_CHIPSET_BROADCOM, BH_QUIRK_ROM_WORKS, "any Broadcom Bluetooth interface",
	  "btusb matches vendor 0a5c with class ff/01/01 or e0/01/01 as Broadcom patchram" },
	/* Intel: 8260/8265/9xxx and AX2xx boot into a bootloader and need
	 * their .sfi firmware (chipset_intel.c, chipset_intel_tlv.c); the
	 * 7260/7265 ROM runs alone, a .bseq patch is applied when present
	 * (chipset_intel_bseq.c). */
	{ 0x8087, 0x0a2b, BH_CHIPSET_INTEL, BH_QUIRK_NEEDS_PATCH, "Intel 8265 (bootloader)",
	  "Linux btusb table (BTUSB_INTEL_COMBINED); boots into its bootloader" },
	{ 0x8087, 0x0aaa, BH_CHIPSET_INTEL, BH_QUIRK_NEEDS_PATCH, "Intel 9460/9560 (bootloader)",
	  "Linux btusb table (BTUSB_INTEL_COMBINED)" },
	{ 0x8087, 0x0026, BH_CHIPSET_INTEL, BH_QUIRK_NEEDS_PATCH, "Intel AX201 (bootloader, TLV)",
	  "Linux btusb table (BTUSB_INTEL_COMBINED)" },
	{ 0x8087, 0x0032, BH_CHIPSET_INTEL, BH_QUIRK_NEEDS_PATCH, "Intel AX210 (bootloader, TLV)",
	  "Linux btusb table (BTUSB_INTEL_COMBINED)" },
	{ 0x8087, 0x07dc, BH_CHIPSET_INTEL, BH_QUIRK_ROM_WORKS, "Intel 7260 (operational ROM)",
	  "Linux btusb table (BTUSB_INTEL_COMBINED): legacy part, runs from ROM, patched by .bseq" },
	/* CSR8510: genuine parts are fine; clones share the ID and are found
	 * by behaviour (bh_chipset_behaviour_quirks). */
	{ 0x0a12, 0x0001, BH_CHIPSET_GENERIC, 0, "CSR8510 A10 and its clones",
	  "Bluetooth SIG USB class; clones detected by version (see behaviour quirks)" },
	/* Zephyr hci_usb on nRF52840 dongles: no public address. */
	{ 0x2fe3, 0xffff, BH_CHIPSET_GENERIC, BH_QUIRK_NO_PUBLIC_ADDRESS,
	  "Zephyr hci_usb (nRF52840 dongle)",
	  "Zephyr Project USB vendor ID; nRF controllers have no public BD_ADDR (reads 0)" },
};

#define NROWS (sizeof(table) / sizeof(table[0]))

const struct bh_chipset_quirk *bh_chipset_usb_lookup(uint16_t vid, uint16_t pid)
{
	for (size_t i = 0; i < NROWS; i++)
		if (table[i].vid == vid && table[i].pid == pid)
			return &table[i];
	for (size_t i = 0; i < NROWS; i++)
		if (table[i].vid == vid && table[i].pid == 0xffff)
			return &table[i];
	return NULL;
}

const struct bh_chipset_quirk *bh_chipset_quirk_at(size_t i)
{
	return i < NROWS ? &table[i] : NULL;
}

/* CSR8510 is a Bluetooth 4.0 part (HCI version 6) whose HCI revision equals
 * its LMP subversion; the clones sold under its ID (manufacturer 10, CSR)
 * report newer versions or numbers that disagree (Linux btusb's CSR clone
 * detection rests on the same facts). A controller whose BD_ADDR reads
 * 00:00:00:00:00:00 has no public address (Vol 4, Part E, 7.4.6). */
uint32_t bh_chipset_behaviour_quirks(uint16_t manufacturer, uint8_t hci_version,
				     uint16_t hci_revision, uint16_t lmp_subversion,
				     const uint8_t bdaddr[6])
{
	uint32_t q = 0;
	if (manufacturer == 10 && (hci_version > 6 || hci_revision != lmp_subversion))
		q |= BH_QUIRK_FAKE_CSR;
	if (bdaddr) {
		static const uint8_t zero[6];
		if (!memcmp(bdaddr, zero, 6))
			q |= BH_QUIRK_NO_PUBLIC_ADDRESS;
	}
	return q;
}

const char *bh_chipset_quirk_names(uint32_t q, char *buf, size_t len)
{
	static const char *const names[] = { "no-public-address", "fake-csr", "needs-patch",
					     "rom-works" };
	size_t o = 0;
	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (q & (1u << i) && o < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "", names[i]);
	if (!o && len)
		snprintf(buf, len, "none");
	return buf;
}
