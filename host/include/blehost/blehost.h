/* blehost: the one header an application includes. */
#ifndef BLEHOST_H
#define BLEHOST_H

#include <blehost/bh_addr.h>
#include <blehost/bh_err.h>
#include <blehost/bh_uuid.h>
#include <blehost/chipset.h>
#include <blehost/att.h>
#include <blehost/gap.h>
#include <blehost/gatt.h>
#include <blehost/hci.h>
#include <blehost/host.h>
#include <blehost/host_buffers.h>
#include <blehost/l2cap.h>
#include <blehost/loop.h>
#include <blehost/smp.h>
#include <blehost/transport.h>

#endif
