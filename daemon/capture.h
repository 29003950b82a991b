/* capture: a streaming reader of pcap and pcapng files, one packet at a time, for
 * `privfwd --replay`. Strict: every length is checked; memory is bounded by CAPTURE_SNAP_MAX. */
#ifndef PRIVFW_CAPTURE_H
#define PRIVFW_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CAPTURE_SNAP_MAX 262144u  /* largest packet kept; libpcap's limit for these link types */

/* LINKTYPE_ values (tcpdump.org) of the link types replay knows; others pass through as is. */
enum capture_link {
	CAPTURE_LINK_NULL = 0,          /* BSD loopback, host-order family */
	CAPTURE_LINK_ETHERNET = 1,
	CAPTURE_LINK_RAW = 101,         /* also what old files wrote as 12 */
	CAPTURE_LINK_LOOP = 108,        /* OpenBSD loopback, network-order family */
	CAPTURE_LINK_LINUX_SLL = 113,
	CAPTURE_LINK_IPV4 = 228,
	CAPTURE_LINK_IPV6 = 229,
	CAPTURE_LINK_LINUX_SLL2 = 276,
};

struct capture_pkt {
	const uint8_t *data;  /* caplen bytes, valid until the next capture_next or capture_free */
	uint32_t caplen, len; /* captured and original length */
	uint32_t link;        /* enum capture_link or another LINKTYPE_ value */
	/* The time as libpcap gives it at microsecond precision: usec is not normalised and may be
	 * negative or above 999999 when the file says so. */
	int64_t sec;
	int32_t usec;
};

struct capture;

/* Reads the file header (pcap) or up to the first Interface Description Block (pcapng) from f,
 * which stays the caller's and must outlive the capture. 0, or -EINVAL (not a capture, or a
 * malformed one), -EIO or -ENOMEM with a message in err. Blocks on reads. */
int capture_new(struct capture **c, FILE *f, char *err, size_t errsize);
void capture_free(struct capture *c);

/* Link type of the pcap header or of the first pcapng interface. */
uint32_t capture_link(const struct capture *c);

/* 1 with the next packet in *p; 0 at a clean end of the file; -EINVAL (malformed or truncated:
 * err names the byte offset), -EIO or -ENOMEM with a message in err. Blocks on reads. */
int capture_next(struct capture *c, struct capture_pkt *p, char *err, size_t errsize);

#endif
