/* blehost: the one header an application includes. */
#ifndef BLEHOST_H
#define BLEHOST_H

#include "bh_addr.h"
#include "bh_err.h"
#include "bh_uuid.h"
#include "att.h"
#include "gap.h"
#include "gatt.h"
#include "hci.h"
#include "host.h"
#include "host_buffers.h"
#include "l2cap.h"
#include "loop.h"
#include "smp.h"
#include "transport.h"

#endif
