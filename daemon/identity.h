/* identity: the device's own identifiers, learned at start and turned into known values for
 * the detectors. Reads files and may run mmcli; call before the sandbox is applied. */
#ifndef PRIVFW_IDENTITY_H
#define PRIVFW_IDENTITY_H

#include <stddef.h>

#include "config.h"

struct known_value;

/* Fills the fields of id that are empty from the system: /etc/machine-id, the MAC address of
 * every interface, the hostname, a device-tree serial number, and IMEI, IMSI, ICCID and own
 * number from ModemManager (mmcli, when installed; bounded by a timeout). MACs are added to
 * those already set. Never fails: what cannot be learned stays empty. Blocks for up to 2 s. */
void identity_discover(struct identity *id);

/* The known values of id and secrets, pointing into them (they must outlive the result).
 * Returns how many were written to out (at most max). */
size_t identity_known(const struct identity *id, const struct secrets *s, struct known_value *out,
		      size_t max);

#endif
