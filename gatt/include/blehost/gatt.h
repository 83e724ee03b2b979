/* blehost GATT: the layer's one public header. */
#ifndef BH_GATT_H
#define BH_GATT_H

#include <blehost/gatt_server.h>
#include <blehost/gatt_client.h>

#endif
