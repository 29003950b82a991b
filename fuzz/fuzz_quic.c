/* libFuzzer target for the QUIC decoder. The input is used twice: as a datagram as it is (header
 * parsing, refusal of what does not decrypt), and as a list of plaintext payloads, each sealed
 * here into a client Initial with the keys of a fixed DCID, so that frame parsing, CRYPTO
 * gathering and the ClientHello are reached too. Layout of the second use:
 * { u16 length, payload }... */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "decode.h"
#include "quic.h"
#include "tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static const uint8_t dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};

struct keys {
	uint8_t key[16], iv[12], hp[16];
	EVP_CIPHER_CTX *c;
};

static void rec_data(void *a, const uint8_t *p, size_t n, unsigned esc)
{
	if (!n || n > 255 || esc)
		abort();
}

static void rec_brk(void *a)
{
}

static void rec_host(void *a, const char *name, size_t n)
{
	if (!n || n > 255)
		abort();
}

static const struct decode_sink sink = {.data = rec_data, .brk = rec_brk, .host = rec_host};

static void label(const uint8_t *secret, const char *l, uint8_t *out, size_t len)
{
	uint8_t info[64], t[32];
	size_t ll = strlen(l);
	unsigned tl = sizeof(t);

	info[0] = 0;
	info[1] = (uint8_t)len;
	info[2] = (uint8_t)(6 + ll);
	memcpy(info + 3, "tls13 ", 6);
	memcpy(info + 9, l, ll);
	info[9 + ll] = 0;
	info[10 + ll] = 1;
	if (!HMAC(EVP_sha256(), secret, 32, info, 11 + ll, t, &tl))
		abort();
	memcpy(out, t, len);
}

static struct keys *keys_get(void)
{
	static const uint8_t salt[20] = {
		0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
		0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
	};
	static struct keys k;
	uint8_t initial[32], client[32];
	unsigned len = 32;

	if (k.c)
		return &k;
	if (!HMAC(EVP_sha256(), salt, sizeof(salt), dcid, sizeof(dcid), initial, &len))
		abort();
	label(initial, "client in", client, 32);
	label(client, "quic key", k.key, 16);
	label(client, "quic iv", k.iv, 12);
	label(client, "quic hp", k.hp, 16);
	if (!(k.c = EVP_CIPHER_CTX_new()))
		abort();
	return &k;
}

/* Seals pl into a client Initial with a 4-byte packet number. */
static size_t seal(uint8_t *out, uint32_t pn, const uint8_t *pl, size_t plen)
{
	struct keys *k = keys_get();
	uint8_t iv[12], mask[32];
	size_t o = 0, pn_off, len = 4 + plen + 16;
	int l;

	out[o++] = 0xc3;
	memcpy(out + o, "\x00\x00\x00\x01\x08", 5);
	o += 5;
	memcpy(out + o, dcid, 8);
	o += 8;
	out[o++] = 0;
	out[o++] = 0;
	out[o++] = (uint8_t)(0x40 | len >> 8);
	out[o++] = (uint8_t)len;
	pn_off = o;
	for (int i = 3; i >= 0; i--)
		out[o++] = (uint8_t)(pn >> (8 * i));
	memcpy(iv, k->iv, 12);
	for (int i = 0; i < 4; i++)
		iv[11 - i] ^= (uint8_t)(pn >> (8 * i));
	if (EVP_EncryptInit_ex(k->c, EVP_aes_128_gcm(), NULL, k->key, iv) != 1 ||
	    EVP_EncryptUpdate(k->c, NULL, &l, out, (int)o) != 1 ||
	    (plen && EVP_EncryptUpdate(k->c, out + o, &l, pl, (int)plen) != 1) ||
	    EVP_EncryptFinal_ex(k->c, out + o + plen, &l) != 1 ||
	    EVP_CIPHER_CTX_ctrl(k->c, EVP_CTRL_GCM_GET_TAG, 16, out + o + plen) != 1 ||
	    EVP_EncryptInit_ex(k->c, EVP_aes_128_ecb(), NULL, k->hp, NULL) != 1 ||
	    EVP_EncryptUpdate(k->c, mask, &l, out + pn_off + 4, 16) != 1)
		abort();
	out[0] ^= mask[0] & 0x0f;
	for (int i = 0; i < 4; i++)
		out[pn_off + i] ^= mask[1 + i];
	return o + plen + 16;
}

static void check(int rc, const struct tls_hello *h)
{
	size_t l;

	if (rc != 0 && rc != 1 && rc != -EBADMSG)
		abort();
	if (rc != 1)
		return;
	l = strnlen(h->sni, sizeof(h->sni));
	if (l == sizeof(h->sni) || strnlen(h->alpn, sizeof(h->alpn)) == sizeof(h->alpn))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static uint8_t pkt[65536 + 64];
	struct quic_state *q = quic_new();
	struct tls_hello h;
	size_t at = 0;
	uint32_t pn = 0;
	int rc;

	if (!q)
		abort();
	(void)quic_is_initial(d, n);
	rc = quic_feed(q, d, n, &sink, &h);
	check(rc, &h);
	quic_free(q);

	if (!(q = quic_new()))
		abort();
	while (n - at >= 2) {
		size_t len = (size_t)d[at] << 8 | d[at + 1];

		at += 2;
		if (len > n - at)
			len = n - at;
		rc = quic_feed(q, pkt, seal(pkt, pn++, d + at, len), &sink, &h);
		check(rc, &h);
		if (quic_mem(q) > 128 * 1024)
			abort();
		at += len;
	}
	quic_free(q);
	return 0;
}
