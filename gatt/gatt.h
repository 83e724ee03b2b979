/* blehost GATT: the layer's one public header. */
#ifndef BH_GATT_H
#define BH_GATT_H

#include "gatt_server.h"
#include "gatt_client.h"

#endif
