/* peripheral: a GATT server with a custom service, advertised by name.
 *
 *   peripheral [--name NAME] [--passkey] [--seconds S]
 *
 * The "example" service (UUID 6e400000-b5a3-f393-e0a9-e50e24dcca9e) has:
 *   message  read/write, up to 64 bytes, held by the stack ("hello")
 *   counter  read/notify, a 32-bit counter notified every 100 ms to
 *            subscribers
 *   secret   readable only over an authenticated (MITM) link: the pairing
 *            example reads it after a passkey pairing
 * With --passkey we can display a passkey (DisplayOnly) and ask for MITM,
 * so a central pairs with Passkey Entry and types what we print.
 * Runs for S seconds (default 30) or until SIGINT/SIGTERM. */
#include <blehost/blehost.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 128-bit UUIDs are given little-endian, as on the wire. */
#define EXAMPLE_UUID(b12) \
	BH_UUID128_INIT(0x9e, 0xca, 0xdc, 0x24, 0x0e, 0xe5, 0xa9, 0xe0, 0x93, 0xf3, 0xa3, 0xb5, \
			(b12), 0x00, 0x40, 0x6e)

struct app {
	struct bh_host *h;
	uint16_t counter_handle;
	uint32_t counter;
	uint16_t subscribers[8]; /* connections subscribed to counter */
};

static struct bh_loop *g_loop; /* for the signal handler only */

static void on_signal(int sig)
{
	(void)sig;
	bh_loop_quit(g_loop);
}

/* Events arrive on the loop thread; every pointer is borrowed. */
static void on_connected(void *ctx, uint16_t conn, bool central, const bh_addr *peer)
{
	(void)ctx;
	(void)central;
	char s[BH_ADDR_STRLEN];
	printf("connected 0x%04x %s\n", conn, bh_addr_str(peer, s));
	fflush(stdout);
}

static void on_disconnected(void *ctx, uint16_t conn, uint8_t reason)
{
	struct app *a = ctx;
	for (int i = 0; i < 8; i++)
		if (a->subscribers[i] == conn)
			a->subscribers[i] = 0;
	printf("disconnected 0x%04x reason 0x%02x\n", conn, reason);
	fflush(stdout);
}

/* A client wrote a CCCD: 1 = notifications on, 0 = off. */
static void on_subscription(void *ctx, uint16_t conn, uint16_t value_handle, uint16_t value)
{
	struct app *a = ctx;
	if (value_handle != a->counter_handle)
		return;
	for (int i = 0; i < 8; i++)
		if (a->subscribers[i] == conn)
			a->subscribers[i] = 0;
	for (int i = 0; i < 8 && value; i++)
		if (!a->subscribers[i]) {
			a->subscribers[i] = conn;
			break;
		}
	printf("counter %s by 0x%04x\n", value ? "subscribed" : "unsubscribed", conn);
	fflush(stdout);
}

static void on_passkey_display(void *ctx, uint16_t conn, uint32_t passkey)
{
	(void)ctx;
	printf("passkey %06u for 0x%04x\n", passkey, conn);
	fflush(stdout);
}

static void on_pairing(void *ctx, uint16_t conn, bh_status st, bool bonded)
{
	(void)ctx;
	printf("pairing 0x%04x: %s%s\n", conn, bh_strerror(st), bonded ? " (bonded)" : "");
	fflush(stdout);
}

/* "message" is held by the application, through read and write callbacks,
 * so it sees each write (a stack-held value needs no callbacks at all: see
 * counter and secret). offset > 0 comes with long reads and writes. */
static char message[65] = "hello";
static bh_status message_read(void *user, uint16_t conn, uint16_t handle, uint16_t offset,
			      uint8_t *buf, size_t cap, size_t *len)
{
	(void)user;
	(void)conn;
	(void)handle;
	size_t n = strlen(message);
	if (offset > n)
		return BH_ATT_ERROR(BH_ATT_E_INVALID_OFFSET);
	*len = n - offset < cap ? n - offset : cap;
	memcpy(buf, message + offset, *len);
	return BH_OK;
}

static bh_status message_write(void *user, uint16_t conn, uint16_t handle, uint16_t offset,
			       const uint8_t *value, size_t len, unsigned flags)
{
	(void)user;
	(void)handle;
	(void)flags;
	if (offset + len > sizeof(message) - 1)
		return BH_ATT_ERROR(BH_ATT_E_INVALID_VALUE_LENGTH);
	memcpy(message + offset, value, len);
	message[offset + len] = 0;
	printf("message written by 0x%04x: %s\n", conn, message);
	fflush(stdout);
	return BH_OK;
}

/* Every 100 ms: count, and notify each subscriber (BH_EBUSY: the link has
 * no room now; the next tick sends a newer value anyway). */
static void tick(void *arg)
{
	struct app *a = arg;
	a->counter++;
	uint8_t v[4] = { (uint8_t)a->counter, (uint8_t)(a->counter >> 8),
			 (uint8_t)(a->counter >> 16), (uint8_t)(a->counter >> 24) };
	bh_gatts_set_value(bh_host_gatt_server(a->h), a->counter_handle, v, 4);
	for (int i = 0; i < 8; i++)
		if (a->subscribers[i])
			bh_gatts_notify(bh_host_gatt_server(a->h), a->subscribers[i],
					a->counter_handle, NULL, 0, NULL);
	struct bh_loop *l = bh_host_loop(a->h);
	bh_loop_timer_at(l, bh_loop_now(l) + 100, tick, a);
}

int main(int argc, char **argv)
{
	const char *name = "blehost-example";
	bool passkey = false;
	unsigned seconds = 30;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--name") && i + 1 < argc)
			name = argv[++i];
		else if (!strcmp(argv[i], "--passkey"))
			passkey = true;
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = (unsigned)atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--name NAME] [--passkey] [--seconds S]\n", argv[0]);
			return 2;
		}
	}

	struct app a = { 0 };
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.store_dir = ""; /* bonds in memory only: an example leaves no files */
	if (passkey) {
		cfg.io_cap = BH_IO_DISPLAY_ONLY;
		cfg.mitm = true;
	}
	struct bh_host_events ev = {
		.ctx = &a,
		.connected = on_connected,
		.disconnected = on_disconnected,
		.subscription = on_subscription,
		.passkey_display = on_passkey_display,
		.pairing_complete = on_pairing,
	};
	char err[256];
	/* The transport comes from $BLEHOST_TRANSPORT (e.g. hci0, unix:PATH). */
	a.h = bh_host_new(&cfg, &ev, err, sizeof(err));
	if (!a.h) {
		fprintf(stderr, "peripheral: %s\n", err);
		return 1;
	}
	int rc = bh_host_start_sync(a.h, 5000);
	if (rc) {
		fprintf(stderr, "peripheral: controller: %s\n", bh_strerror(rc));
		bh_host_free(a.h);
		return 1;
	}

	/* The service table: the server copies it, assigns handles, and adds
	 * the CCCD for the notifying characteristic by itself. */
	static const uint8_t zero[4];
	static const char secret[] = "secret";
	const struct bh_gatt_chr_def chrs[] = {
		{ .uuid = EXAMPLE_UUID(0x01), .props = BH_GATT_CHR_READ | BH_GATT_CHR_WRITE,
		  .read = message_read, .write = message_write, .max_len = 64 },
		{ .uuid = EXAMPLE_UUID(0x02), .props = BH_GATT_CHR_READ | BH_GATT_CHR_NOTIFY,
		  .initial = zero, .initial_len = 4, .fixed_len = true },
		{ .uuid = EXAMPLE_UUID(0x03), .props = BH_GATT_CHR_READ,
		  .read_perm = BH_GATT_PERM_ENC_MITM, .initial = secret,
		  .initial_len = sizeof(secret) - 1 },
	};
	const struct bh_gatt_svc_def svc = { .uuid = EXAMPLE_UUID(0x00), .chrs = chrs,
					     .num_chrs = 3 };
	struct bh_gatts *gs = bh_host_gatt_server(a.h);
	bh_status st = bh_gatts_add_services(gs, &svc, 1);
	if (st) {
		fprintf(stderr, "peripheral: service: %s\n", bh_strerror(st));
		bh_host_free(a.h);
		return 1;
	}
	a.counter_handle = bh_gatts_value_handle(gs, &chrs[1]);

	/* Advertising data: flags and the service UUID; the name in the scan
	 * response (31 bytes each). */
	uint8_t adv[BH_AD_LEGACY_MAX], rsp[BH_AD_LEGACY_MAX];
	struct bh_ad_builder ab, rb;
	bh_ad_build_init(&ab, adv, sizeof(adv));
	bh_ad_build_init(&rb, rsp, sizeof(rsp));
	bh_ad_add_flags(&ab, BH_AD_FLAG_LE_GENERAL | BH_AD_FLAG_NO_BREDR);
	bh_ad_add_uuids(&ab, &svc.uuid, 1, true);
	bh_ad_add_name(&rb, name, true);
	if (ab.err || rb.err) {
		fprintf(stderr, "peripheral: advertising data does not fit\n");
		bh_host_free(a.h);
		return 1;
	}
	struct bh_gap_adv_params ap = {
		.kind = BH_GAP_ADV_CONN,
		.interval_min = 160, .interval_max = 160, /* 100 ms in 0.625 ms units */
		.data = adv, .data_len = ab.len,
		.scan_rsp = rsp, .scan_rsp_len = rb.len,
		.restart_on_disconnect = true, /* serve the next central too */
	};
	rc = bh_gap_adv_start(bh_host_gap(a.h), &ap, NULL, NULL);
	if (rc) {
		fprintf(stderr, "peripheral: advertise: %s\n", bh_strerror(rc));
		bh_host_free(a.h);
		return 1;
	}
	char s[BH_ADDR_STRLEN];
	bh_addr own = bh_gap_own_address(bh_host_gap(a.h));
	printf("advertising as %s (%s)\n", name, bh_addr_str(&own, s));
	fflush(stdout);

	g_loop = bh_host_loop(a.h);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	tick(&a);
	/* Serve until the time is up, a signal, or the controller is lost. */
	bool stop = false;
	rc = bh_host_wait(a.h, BH_HOST_NO_LINK, &stop, (bh_time_ms)seconds * 1000);
	rc = bh_host_lost(a.h); /* a timeout or a signal is a clean end */
	printf("stopped: %s\n", rc ? bh_strerror(rc) : "ok");
	bh_host_free(a.h);
	return rc ? 1 : 0;
}
