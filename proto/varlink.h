/* varlink: the control socket's wire format, shared by privfwd and privfwctl.
 * Messages are JSON objects terminated by a NUL byte. Pure: no I/O. */
#ifndef PRIVFW_VARLINK_H
#define PRIVFW_VARLINK_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define VARLINK_MSG_MAX (64 * 1024)   /* larger requests are refused */

#define PRIVFW_IFACE             "io.privfw.Firewall"
#define PRIVFW_SOCKET_DEFAULT    "/run/privfw/io.privfw.Firewall"

/* Errors, as varlink error names. */
#define VARLINK_ERR_METHOD_NOT_FOUND  "org.varlink.service.MethodNotFound"
#define VARLINK_ERR_INVALID_PARAMETER "org.varlink.service.InvalidParameter"
#define VARLINK_ERR_PERMISSION_DENIED "org.varlink.service.PermissionDenied"
#define PRIVFW_ERR_NO_SUCH_APP        PRIVFW_IFACE ".NoSuchApp"
#define PRIVFW_ERR_POLICY_SAVE        PRIVFW_IFACE ".PolicySaveFailed"
#define PRIVFW_ERR_BAD_REQUEST        PRIVFW_IFACE ".BadRequest"

/* Incremental framer over a byte stream. */
struct varlink_buf {
	char *data;      /* owned */
	size_t len, cap;
	size_t max;      /* a message longer than this is an error */
};

/* Initialises an empty framer bounded by max bytes per message. */
void varlink_buf_init(struct varlink_buf *b, size_t max);
void varlink_buf_free(struct varlink_buf *b);

/* Appends bytes. 0, -EMSGSIZE when a message would exceed max without a NUL, -ENOMEM. */
int varlink_buf_append(struct varlink_buf *b, const void *data, size_t len);

/* Pops the next complete message (without its NUL) into *msg (malloc'd, caller frees) and its
 * length. 1 when a message was popped, 0 when none is complete yet, -ENOMEM. */
int varlink_buf_pop(struct varlink_buf *b, char **msg, size_t *len);

struct varlink_call {
	char method[128];    /* "io.privfw.Firewall.GetStatus" */
	json_t *parameters;  /* owned reference; an empty object when absent */
	bool oneway, more;
};

/* Parses one call message (msg[0..len), no NUL). 0, or -EBADMSG with a reason in why
 * (not JSON, not an object, missing/non-string method, non-object parameters, NUL inside). */
int varlink_call_parse(struct varlink_call *c, const char *msg, size_t len, char *why, size_t whylen);
void varlink_call_clear(struct varlink_call *c);

struct varlink_reply {
	char error[128];     /* "" on success */
	json_t *parameters;  /* owned reference; an empty object when absent */
	bool continues;
};

/* Parses one reply message. 0 or -EBADMSG. */
int varlink_reply_parse(struct varlink_reply *r, const char *msg, size_t len);
void varlink_reply_clear(struct varlink_reply *r);

/* Encodes a call / reply / error as a NUL-terminated message. parameters may be NULL (borrowed).
 * Returns a malloc'd buffer and its length including the NUL in *len, or NULL on ENOMEM. */
char *varlink_call_put(const char *method, json_t *parameters, size_t *len);
char *varlink_reply_put(json_t *parameters, bool continues, size_t *len);
char *varlink_error_put(const char *error, json_t *parameters, size_t *len);

#endif
