/* identity: what the device would leak about itself. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "detect.h"
#include "identity.h"

/* First line of a small file, trimmed; empty on any error. */
static void read_line(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n;

	out[0] = '\0';
	if (!f)
		return;
	if (!fgets(out, (int)size, f))
		out[0] = '\0';
	fclose(f);
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	/* Device-tree strings end in NUL, which fgets keeps as the end. */
	while (n && (out[n - 1] == ' ' || out[n - 1] == '\t'))
		out[--n] = '\0';
}

static void add_mac(struct identity *id, const char *mac)
{
	if (!strcmp(mac, "00:00:00:00:00:00") || strlen(mac) != 17)
		return;
	for (unsigned i = 0; i < id->n_mac; i++)
		if (!strcasecmp(id->mac[i], mac))
			return;
	if (id->n_mac < CONFIG_MACS_MAX)
		snprintf(id->mac[id->n_mac++], sizeof(id->mac[0]), "%s", mac);
}

static void discover_macs(struct identity *id)
{
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	char path[512], mac[64], type[16];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		/* Only Ethernet-like hardware addresses (ARPHRD_ETHER = 1); loopback and tunnels
		 * have none worth protecting. */
		snprintf(path, sizeof(path), "/sys/class/net/%s/type", e->d_name);
		read_line(path, type, sizeof(type));
		if (strcmp(type, "1"))
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/address", e->d_name);
		read_line(path, mac, sizeof(mac));
		add_mac(id, mac);
	}
	closedir(d);
}

/* Output of argv, at most size-1 bytes, within timeout_ms; empty on any failure. */
static void run(char *const argv[], char *out, size_t size, int timeout_ms)
{
	struct timespec t0, t;
	size_t len = 0;
	int fds[2], status;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(fds, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(fds[1], 1);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		long left;
		ssize_t r;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = timeout_ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		r = read(fds[0], out + len, size - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == size - 1)
			break;
	}
	out[len] = '\0';
	close(fds[0]);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		out[0] = '\0';
}

static void copy_json(json_t *root, const char *const *path, size_t depth, char *out, size_t size)
{
	json_t *v = root;

	for (size_t i = 0; i < depth && v; i++)
		v = json_object_get(v, path[i]);
	if (json_is_array(v))
		v = json_array_get(v, 0);
	if (json_is_string(v) && !out[0] && strcmp(json_string_value(v), "--"))
		snprintf(out, size, "%s", json_string_value(v));
}

static bool have_mmcli(void)
{
	static const char *const dirs[] = { "/usr/bin/mmcli", "/bin/mmcli", "/usr/local/bin/mmcli" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (access(dirs[i], X_OK) == 0)
			return true;
	return false;
}

/* ModemManager knows the modem's IMEI and own numbers, and the SIM's IMSI and ICCID. */
static void discover_modem(struct identity *id)
{
	static char buf[65536];
	char *modem[] = { "mmcli", "-J", "-m", "any", NULL };
	char *sim[] = { "mmcli", "-J", "-i", "any", NULL };
	json_t *j;

	if (!have_mmcli())
		return;
	run(modem, buf, sizeof(buf), 1000);
	if (buf[0] && (j = json_loads(buf, 0, NULL))) {
		copy_json(j, (const char *const[]){ "modem", "3gpp", "imei" }, 3, id->imei, sizeof(id->imei));
		copy_json(j, (const char *const[]){ "modem", "generic", "own-numbers" }, 3, id->phone,
			  sizeof(id->phone));
		json_decref(j);
	}
	run(sim, buf, sizeof(buf), 1000);
	if (buf[0] && (j = json_loads(buf, 0, NULL))) {
		copy_json(j, (const char *const[]){ "sim", "properties", "imsi" }, 3, id->imsi, sizeof(id->imsi));
		copy_json(j, (const char *const[]){ "sim", "properties", "iccid" }, 3, id->iccid, sizeof(id->iccid));
		json_decref(j);
	}
}

void identity_discover(struct identity *id)
{
	char buf[256];

	if (!id->machine_id[0])
		read_line("/etc/machine-id", id->machine_id, sizeof(id->machine_id));
	if (strlen(id->machine_id) != 32 && strlen(id->machine_id) != 36)
		id->machine_id[0] = '\0';
	if (!id->hostname[0] && gethostname(buf, sizeof(buf)) == 0) {
		buf[sizeof(buf) - 1] = '\0';
		/* Names every install shares identify nobody. */
		if (strcmp(buf, "localhost") && strcmp(buf, "(none)"))
			snprintf(id->hostname, sizeof(id->hostname), "%s", buf);
	}
	if (!id->serial[0]) {
		read_line("/sys/firmware/devicetree/base/serial-number", id->serial, sizeof(id->serial));
		if (strlen(id->serial) < 4)
			id->serial[0] = '\0';
	}
	discover_macs(id);
	discover_modem(id);
}

size_t identity_known(const struct identity *id, const struct secrets *s, struct known_value *out,
		      size_t max)
{
	const struct { uint8_t type; const char *label, *v; } one[] = {
		{ DT_IMEI, "imei", id->imei }, { DT_IMSI, "imsi", id->imsi },
		{ DT_ICCID, "iccid", id->iccid }, { DT_PHONE, "phone", id->phone },
		{ DT_EMAIL, "email", id->email }, { DT_MACHINE_ID, "machine_id", id->machine_id },
		{ DT_SERIAL, "serial", id->serial }, { DT_HOSTNAME, "hostname", id->hostname },
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]) && n < max; i++)
		if (one[i].v[0])
			out[n++] = (struct known_value){ one[i].type, one[i].label, one[i].v };
	for (unsigned i = 0; i < id->n_mac && n < max; i++)
		out[n++] = (struct known_value){ DT_MAC, "mac", id->mac[i] };
	for (size_t i = 0; s && i < s->n && n < max; i++)
		out[n++] = (struct known_value){ DT_SECRET, s->v[i].label, s->v[i].value };
	return n;
}
