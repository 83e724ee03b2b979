/* SIG-assigned names for the 16-bit UUIDs a user meets most (Assigned Numbers,
 * sections 3.4 to 3.8). Sorted by value for bsearch. */
#include <blehost/bh_uuid.h>

#include <stdlib.h>

struct uuid_name {
	uint16_t v;
	const char *name;
};

static const struct uuid_name names[] = {
	{ 0x1800, "Generic Access" },
	{ 0x1801, "Generic Attribute" },
	{ 0x1802, "Immediate Alert" },
	{ 0x1803, "Link Loss" },
	{ 0x1804, "Tx Power" },
	{ 0x1805, "Current Time" },
	{ 0x180a, "Device Information" },
	{ 0x180d, "Heart Rate" },
	{ 0x180f, "Battery" },
	{ 0x1810, "Blood Pressure" },
	{ 0x1812, "Human Interface Device" },
	{ 0x1816, "Cycling Speed and Cadence" },
	{ 0x1818, "Cycling Power" },
	{ 0x1819, "Location and Navigation" },
	{ 0x181a, "Environmental Sensing" },
	{ 0x181c, "User Data" },
	{ 0x181d, "Weight Scale" },
	{ 0x1826, "Fitness Machine" },
	{ 0x2800, "Primary Service" },
	{ 0x2801, "Secondary Service" },
	{ 0x2802, "Include" },
	{ 0x2803, "Characteristic" },
	{ 0x2900, "Characteristic Extended Properties" },
	{ 0x2901, "Characteristic User Description" },
	{ 0x2902, "Client Characteristic Configuration" },
	{ 0x2903, "Server Characteristic Configuration" },
	{ 0x2904, "Characteristic Presentation Format" },
	{ 0x2905, "Characteristic Aggregate Format" },
	{ 0x2906, "Valid Range" },
	{ 0x2908, "Report Reference" },
	{ 0x2a00, "Device Name" },
	{ 0x2a01, "Appearance" },
	{ 0x2a02, "Peripheral Privacy Flag" },
	{ 0x2a03, "Reconnection Address" },
	{ 0x2a04, "Peripheral Preferred Connection Parameters" },
	{ 0x2a05, "Service Changed" },
	{ 0x2a06, "Alert Level" },
	{ 0x2a07, "Tx Power Level" },
	{ 0x2a19, "Battery Level" },
	{ 0x2a23, "System ID" },
	{ 0x2a24, "Model Number String" },
	{ 0x2a25, "Serial Number String" },
	{ 0x2a26, "Firmware Revision String" },
	{ 0x2a27, "Hardware Revision String" },
	{ 0x2a28, "Software Revision String" },
	{ 0x2a29, "Manufacturer Name String" },
	{ 0x2a2a, "IEEE 11073-20601 Regulatory Certification Data List" },
	{ 0x2a2b, "Current Time" },
	{ 0x2a37, "Heart Rate Measurement" },
	{ 0x2a38, "Body Sensor Location" },
	{ 0x2a39, "Heart Rate Control Point" },
	{ 0x2a4d, "Report" },
	{ 0x2a50, "PnP ID" },
	{ 0x2a6e, "Temperature" },
	{ 0x2a6f, "Humidity" },
	{ 0x2aa6, "Central Address Resolution" },
	{ 0x2ac9, "Resolvable Private Address Only" },
	{ 0x2b29, "Client Supported Features" },
	{ 0x2b2a, "Database Hash" },
	{ 0x2b3a, "Server Supported Features" },
};

static int cmp(const void *k, const void *e)
{
	return (int)*(const uint16_t *)k - (int)((const struct uuid_name *)e)->v;
}

const char *bh_uuid_name(const bh_uuid *u)
{
	int32_t v = bh_uuid_as16(u);
	if (v < 0)
		return NULL;
	uint16_t key = (uint16_t)v;
	const struct uuid_name *n = bsearch(&key, names, sizeof(names) / sizeof(names[0]),
					    sizeof(names[0]), cmp);
	return n ? n->name : NULL;
}
