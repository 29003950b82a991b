/* ascii: character classes of the C locale, whatever the process locale, for parsers of bytes
 * off the wire. Values outside 0..127 (and negative chars) belong to no class. */
#ifndef PRIVFW_ASCII_H
#define PRIVFW_ASCII_H

#include <stdbool.h>

static inline bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_alpha(int c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static inline bool is_alnum(int c)
{
	return is_digit(c) || is_alpha(c);
}

/* The value of a hex digit, or -1. */
static inline int hexval(int c)
{
	if (is_digit(c))
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static inline bool is_hex(int c)
{
	return hexval(c) >= 0;
}

#endif
