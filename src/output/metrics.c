// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The /metrics endpoint: a libmicrohttpd daemon with its own thread. The
 * poll loop renders the text (metrics_tick) and swaps it in under a mutex;
 * a request copies the current text under the same mutex. The critical
 * sections are a pointer swap and a memcpy: a slow scraper never delays
 * the ring-buffer consumer.
 */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "log.h"
#include "metrics.h"
#include "opts.h"

#ifdef LP_NO_HTTP
/* latprobe-static (mk/static.mk): no libmicrohttpd, so no --metrics. */
int metrics_start(struct metrics **out, const struct lp_opts *o)
{
	*out = NULL;
	lp_err("--metrics %s: this latprobe was built without the HTTP server (static build)",
	       o->metrics);
	return -ENOTSUP;
}

int metrics_serve(struct metrics *m)
{
	return 0;
}

void metrics_tick(struct metrics *m, const struct corr *c,
		  const uint64_t *stats, const struct probe_info *probes)
{
}

void metrics_stop(struct metrics *m)
{
}
#else
#include <microhttpd.h>

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* HTTP connections at once; seconds without progress before one is closed */
#define METRICS_HTTP_CONNS 64
#define METRICS_HTTP_IDLE_S 5

struct metrics {
	struct MHD_Daemon *d; /* NULL until metrics_serve() */
	int fd;
	char where[INET6_ADDRSTRLEN + 16];
	pthread_mutex_t lock;
	char *text; /* current exposition, NULL before the first tick */
	size_t len;
	struct metrics_sel sel; /* poll loop only */
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int code,
			     const char *type, void *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, mode);
	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	static const char index_html[] =
		"<html><head><title>latprobe</title></head><body>"
		"<a href=\"/metrics\">/metrics</a></body></html>\n";
	struct metrics *m = cls;
	char *copy = NULL;
	size_t len = 0;

	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
			     "method not allowed\n", 19,
			     MHD_RESPMEM_PERSISTENT);
	if (!strcmp(url, "/"))
		return reply(conn, MHD_HTTP_OK, "text/html", (void *)index_html,
			     sizeof(index_html) - 1, MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain",
			     "not found: try /metrics\n", 24,
			     MHD_RESPMEM_PERSISTENT);

	pthread_mutex_lock(&m->lock);
	if (m->text && (copy = malloc(m->len ? m->len : 1))) {
		memcpy(copy, m->text, m->len);
		len = m->len;
	}
	pthread_mutex_unlock(&m->lock);
	if (!copy)
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
			     "starting\n", 9, MHD_RESPMEM_PERSISTENT);
	return reply(conn, MHD_HTTP_OK, CONTENT_TYPE, copy, len,
		     MHD_RESPMEM_MUST_FREE);
}

/* Our own listening socket: bind errors are reported with their errno. */
static int listen_on(const struct lp_opts *o, char *where, size_t wlen)
{
	const char *addr = o->metrics, *host = o->metrics_host;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE};
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct addrinfo *ai;
	char ip[INET6_ADDRSTRLEN], service[8];
	int fd, one = 1, err;

	snprintf(service, sizeof(service), "%u", o->metrics_port);
	err = getaddrinfo(*host ? host : NULL, service, &hints, &ai);
	if (err) {
		lp_err("--metrics %s: %s", addr, gai_strerror(err));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		err = -errno;
		lp_err("--metrics %s: cannot listen: %s", addr,
		       strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return err;
	}
	freeaddrinfo(ai);
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(where, wlen, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(where, wlen, "%s:%u", ip, ntohs(s4->sin_port));
	}
	return fd;
}

int metrics_start(struct metrics **out, const struct lp_opts *o)
{
	struct metrics *m = calloc(1, sizeof(*m));
	char where[INET6_ADDRSTRLEN + 16];
	int err;

	*out = NULL;
	if (!m || metrics_sel_init(&m->sel, o->metrics_max_conns)) {
		free(m);
		lp_err("out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&m->lock, NULL);
	m->fd = listen_on(o, where, sizeof(where));
	if (m->fd < 0) {
		err = m->fd;
		goto fail;
	}
	snprintf(m->where, sizeof(m->where), "%s", where);
	if (!o->quiet)
		fprintf(stderr, "latprobe: metrics on http://%s/metrics\n",
			where);
	*out = m;
	return 0;
fail:
	metrics_sel_free(&m->sel);
	pthread_mutex_destroy(&m->lock);
	free(m);
	return err;
}

int metrics_serve(struct metrics *m)
{
	sigset_t block, old;

	if (!m)
		return 0;
	/* SIGINT/SIGTERM belong to the poll loop, not the HTTP thread */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	/*
	 * poll(), not epoll: libmicrohttpd 0.9.75's edge-triggered epoll loop
	 * misses the EOF of a client that sent part of a request and closed,
	 * so such sockets sat in CLOSE-WAIT until the timeout and ~70 of them
	 * filled the connection limit (tests/it_metrics_hostile.sh). The
	 * timeout reaps idle (slowloris) connections; the per-address limit
	 * keeps one remote host from taking every slot.
	 */
	m->d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
		on_request, m, MHD_OPTION_LISTEN_SOCKET, m->fd,
		MHD_OPTION_CONNECTION_LIMIT, METRICS_HTTP_CONNS,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, METRICS_HTTP_CONNS / 2,
		MHD_OPTION_CONNECTION_TIMEOUT, METRICS_HTTP_IDLE_S,
		MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!m->d) {
		lp_err("--metrics %s: cannot start the HTTP server", m->where);
		return -EIO;
	}
	return 0;
}

void metrics_tick(struct metrics *m, const struct corr *c,
		  const uint64_t *stats, const struct probe_info *probes)
{
	char *text = NULL, *old;
	size_t len = 0;
	FILE *f;

	if (!m)
		return;
	f = open_memstream(&text, &len);
	if (!f)
		return;
	metrics_render(f, c, stats, probes, &m->sel);
	if (fclose(f)) {
		free(text);
		return; /* out of memory: keep serving the previous text */
	}
	pthread_mutex_lock(&m->lock);
	old = m->text;
	m->text = text;
	m->len = len;
	pthread_mutex_unlock(&m->lock);
	free(old);
}

void metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	if (m->d)
		MHD_stop_daemon(m->d); /* closes the listening socket too */
	else
		close(m->fd);
	free(m->text);
	metrics_sel_free(&m->sel);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
#endif /* LP_NO_HTTP */
