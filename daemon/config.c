/* config.c - command line and environment of the daemon. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasmstore.h"

static const char usage_text[] =
	"usage: wasmstore server [options]\n"
	"   or: wasmstore-server [options]\n"
	"\n"
	"  --root PATH             store root (WASMSTORE_ROOT, ~/.wasmstore)\n"
	"  --branch NAME           branch used without Wasmstore-Branch\n"
	"                          (WASMSTORE_BRANCH, the default branch)\n"
	"  --author NAME           commit author (WASMSTORE_AUTHOR)\n"
	"  --host HOST             address to listen on\n"
	"                          (WASMSTORE_HOST, 127.0.0.1)\n"
	"  --port PORT             port, 0 for any free one\n"
	"                          (WASMSTORE_PORT, 6384)\n"
	"  --port-file FILE        write the port listened on to FILE\n"
	"  --auth KEY:METHODS;...  keys and the methods each may use\n"
	"                          (WASMSTORE_AUTH)\n"
	"  --auth-file FILE        read the keys from FILE (same syntax)\n"
	"  --tls KEY_FILE,CERT_FILE  serve HTTPS (WASMSTORE_TLS)\n"
	"  --cors                  send Access-Control-Allow-Origin: *\n"
	"  --max-module-size SIZE  largest upload, e.g. 64M (256M)\n"
	"  --threads N             HTTP worker threads\n"
	"  --quiet                 no access log\n"
	"  -h, --help              show this help\n";

enum {
	OPT_ROOT = 256,
	OPT_BRANCH,
	OPT_AUTHOR,
	OPT_HOST,
	OPT_PORT,
	OPT_PORT_FILE,
	OPT_AUTH,
	OPT_AUTH_FILE,
	OPT_TLS,
	OPT_CORS,
	OPT_MAX_SIZE,
	OPT_THREADS,
	OPT_QUIET,
};

static const struct option options[] = {
	{"root", required_argument, NULL, OPT_ROOT},
	{"branch", required_argument, NULL, OPT_BRANCH},
	{"author", required_argument, NULL, OPT_AUTHOR},
	{"host", required_argument, NULL, OPT_HOST},
	{"port", required_argument, NULL, OPT_PORT},
	{"port-file", required_argument, NULL, OPT_PORT_FILE},
	{"auth", required_argument, NULL, OPT_AUTH},
	{"auth-file", required_argument, NULL, OPT_AUTH_FILE},
	{"tls", required_argument, NULL, OPT_TLS},
	{"cors", no_argument, NULL, OPT_CORS},
	{"max-module-size", required_argument, NULL, OPT_MAX_SIZE},
	{"threads", required_argument, NULL, OPT_THREADS},
	{"quiet", no_argument, NULL, OPT_QUIET},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "error: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage_text);
	return -1;
}

static void set_str(char **dst, const char *value)
{
	free(*dst);
	*dst = value ? strdup(value) : NULL;
}

static int parse_port(unsigned *out, const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > 65535 || s[0] == '-')
		return usage_error("invalid port '%s'", s);
	*out = (unsigned)v;
	return 0;
}

/* "123", "64K", "64M", "1G" (powers of 1024). */
static int parse_size(size_t *out, const char *s)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno || s[0] == '-')
		return usage_error("invalid size '%s'", s);
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default:
		return usage_error("invalid size '%s'", s);
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end || v == 0 || v > (SIZE_MAX >> shift))
		return usage_error("invalid size '%s'", s);
	*out = (size_t)(v << shift);
	return 0;
}

static int parse_threads(unsigned *out, const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v == 0 || v > 1024 || s[0] == '-')
		return usage_error("invalid thread count '%s'", s);
	*out = (unsigned)v;
	return 0;
}

/* "KEY_FILE,CERT_FILE" */
static int parse_tls(struct ws_config *cfg, const char *s)
{
	const char *comma = strchr(s, ',');

	if (!comma || comma == s || !comma[1])
		return usage_error("--tls wants KEY_FILE,CERT_FILE, not '%s'",
				   s);
	free(cfg->tls_key);
	free(cfg->tls_cert);
	cfg->tls_key = strndup(s, (size_t)(comma - s));
	cfg->tls_cert = strdup(comma + 1);
	return 0;
}

static unsigned default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	/* Writes block a worker while they fsync: keep a few spare. */
	if (n < 4)
		n = 4;
	return n > 64 ? 128 : (unsigned)n * 2;
}

/* Environment first, so that options given on the command line win. */
static int apply_environment(struct ws_config *cfg)
{
	const char *v;

	if ((v = getenv("WASMSTORE_ROOT")) && *v)
		set_str(&cfg->root, v);
	if ((v = getenv("WASMSTORE_BRANCH")) && *v)
		set_str(&cfg->branch, v);
	if ((v = getenv("WASMSTORE_AUTHOR")) && *v)
		set_str(&cfg->author, v);
	if ((v = getenv("WASMSTORE_HOST")) && *v)
		set_str(&cfg->host, v);
	if ((v = getenv("WASMSTORE_PORT")) && *v && parse_port(&cfg->port, v))
		return -1;
	if ((v = getenv("WASMSTORE_AUTH")) && *v)
		set_str(&cfg->auth, v);
	if ((v = getenv("WASMSTORE_TLS")) && *v && parse_tls(cfg, v))
		return -1;
	return 0;
}

int ws_config_parse(struct ws_config *cfg, int argc, char **argv)
{
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->host = strdup(WS_DAEMON_DEFAULT_HOST);
	cfg->port = WS_DAEMON_DEFAULT_PORT;
	cfg->max_module_size = WS_DEFAULT_MAX_MODULE_SIZE;
	cfg->threads = default_threads();
	if (apply_environment(cfg))
		return -1;

	optind = 0; /* full re-initialization: the CLI may have used getopt */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT: set_str(&cfg->root, optarg); break;
		case OPT_BRANCH: set_str(&cfg->branch, optarg); break;
		case OPT_AUTHOR: set_str(&cfg->author, optarg); break;
		case OPT_HOST: set_str(&cfg->host, optarg); break;
		case OPT_PORT_FILE: set_str(&cfg->port_file, optarg); break;
		case OPT_AUTH: set_str(&cfg->auth, optarg); break;
		case OPT_AUTH_FILE: set_str(&cfg->auth_file, optarg); break;
		case OPT_CORS: cfg->cors = 1; break;
		case OPT_QUIET: cfg->quiet = 1; break;
		case OPT_PORT:
			if (parse_port(&cfg->port, optarg))
				return -1;
			break;
		case OPT_TLS:
			if (parse_tls(cfg, optarg))
				return -1;
			break;
		case OPT_MAX_SIZE:
			if (parse_size(&cfg->max_module_size, optarg))
				return -1;
			break;
		case OPT_THREADS:
			if (parse_threads(&cfg->threads, optarg))
				return -1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		case ':':
			return usage_error("option '%s' needs a value",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!*cfg->host)
		return usage_error("empty host%s", "");
	return 0;
}

void ws_config_clear(struct ws_config *cfg)
{
	free(cfg->root);
	free(cfg->branch);
	free(cfg->author);
	free(cfg->host);
	free(cfg->port_file);
	free(cfg->auth);
	free(cfg->auth_file);
	free(cfg->tls_key);
	free(cfg->tls_cert);
	memset(cfg, 0, sizeof(*cfg));
}
