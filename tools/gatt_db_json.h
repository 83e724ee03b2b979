/* A GATT database from a JSON description (blehost peripheral --db FILE;
 * the demo database is one, tools/demo_db.json). The format, with every
 * member but the UUIDs and properties optional:
 *
 *   { "services": [ {
 *       "uuid": "180d" | "b1e40000-7a2d-...", "secondary": false,
 *       "characteristics": [ {
 *         "uuid": "2a37",
 *         "properties": ["read", "write", "write-without-response", "notify",
 *                        "indicate", "signed-write", "broadcast",
 *                        "reliable-write", "writable-auxiliaries"],
 *         "read": PERM, "write": PERM,
 *         "value": "text" | "value_hex": "0048",
 *         "max_length": 0..512, "fixed_length": false,
 *         "description": "User Description text",
 *         "format": { "format": 4, "exponent": 0, "unit": "2700",
 *                     "namespace": 1, "description": 0 },
 *         "descriptors": [ { "uuid": "2908", "read": PERM, "write": PERM,
 *                            "value" | "value_hex", "max_length", "fixed_length" } ]
 *       } ] } ] }
 *
 * PERM: "none", "open", "encrypted", "authenticated" (encrypted with MITM
 * protection) or "secure-connections" (authenticated LE Secure
 * Connections, 16-byte key). Without one, a characteristic is open for
 * what its properties allow. Every mistake (unknown member, wrong type,
 * bad UUID, value longer than its maximum, a descriptor the server adds
 * itself) is an error naming the line and the member's path. */
#ifndef BH_TOOLS_GATT_DB_JSON_H
#define BH_TOOLS_GATT_DB_JSON_H

#include <blehost/gatt.h>

#include <stddef.h>

/* Largest description file read (a database has at most 65535 handles;
 * a megabyte is far more than their values take in hex). */
#define GATT_DB_MAX_FILE (1024 * 1024)

struct gatt_db;

/* Builds definitions from JSON text. NULL on error with "LINE: PATH: what"
 * in err (the caller prefixes the file name). */
struct gatt_db *gatt_db_parse(const char *text, size_t len, char *err, size_t errlen);
/* Reads a file (at most GATT_DB_MAX_FILE) and parses it; errors are
 * prefixed with the path. */
struct gatt_db *gatt_db_load(const char *path, char *err, size_t errlen);
void gatt_db_free(struct gatt_db *db);

/* The service definitions, to give to bh_gatts_add_services. They stay
 * valid (the server identifies them by address) until gatt_db_free. */
const struct bh_gatt_svc_def *gatt_db_services(const struct gatt_db *db, size_t *n);
/* The first characteristic chr in a service svc (NULL: any service), or
 * NULL. A database may hold svc more than once: each of them is searched. */
const struct bh_gatt_chr_def *gatt_db_find_chr(const struct gatt_db *db, const bh_uuid *svc,
					       const bh_uuid *chr);

#endif
