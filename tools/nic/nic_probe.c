// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Capture-clock probe frames: see nic_probe.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "nic_probe.h"

#define PROBE_MAGIC "LPNICPRB"

struct probe_frame {
	uint8_t dst[6], src[6];
	uint16_t type; /* NIC_PROBE_ETHERTYPE, network order */
	char magic[8];
	uint32_t pid;
	uint64_t send_tsc;
	uint8_t pad[18]; /* 60 bytes: the Ethernet minimum */
} __attribute__((packed));

static int bind_to(int fd, int ifindex, uint16_t proto)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = ifindex,
		.sll_protocol = htons(proto),
	};

	return bind(fd, (struct sockaddr *)&sll, sizeof(sll));
}

int nic_probe_open(struct nic_probe *p, const char *ifname, const char **why)
{
	/* only our ethertype reaches the timestamp socket */
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NIC_PROBE_ETHERTYPE, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {.len = 4, .filter = code};
	int one = 1, ifindex, err;

	*p = (struct nic_probe){
		.tx_fd = -1, .rx_fd = -1, .pid = (uint32_t)getpid()};
	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex) {
		*why = "no such interface";
		return -errno;
	}
	p->tx_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (p->tx_fd < 0 || bind_to(p->tx_fd, ifindex, 0)) {
		*why = "packet socket to send probes";
		goto fail;
	}
	/*
	 * Outgoing frames reach only ETH_P_ALL sockets; the filter is
	 * attached before the bind, so nothing else is ever queued.
	 */
	p->rx_fd =
		socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->rx_fd < 0 ||
	    setsockopt(p->rx_fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
		       sizeof(prog)) ||
	    setsockopt(p->rx_fd, SOL_SOCKET, SO_TIMESTAMPNS, &one,
		       sizeof(one)) ||
	    bind_to(p->rx_fd, ifindex, ETH_P_ALL)) {
		*why = "packet socket to read the kernel's probe stamps";
		goto fail;
	}
	return 0;
fail:
	err = -errno;
	nic_probe_close(p);
	return err;
}

void nic_probe_close(struct nic_probe *p)
{
	if (p->tx_fd >= 0)
		close(p->tx_fd);
	if (p->rx_fd >= 0)
		close(p->rx_fd);
	p->tx_fd = p->rx_fd = -1;
}

static const struct probe_frame *ours(const struct nic_probe *p,
				      const uint8_t *b, size_t len)
{
	const struct probe_frame *f = (const void *)b;

	if (len < sizeof(*f) || f->type != htons(NIC_PROBE_ETHERTYPE) ||
	    memcmp(f->magic, PROBE_MAGIC, sizeof(f->magic)) || f->pid != p->pid)
		return NULL;
	return f;
}

/* The kernel's stamp of the probe sent at send_tsc, as a TSC; 0 if none. */
static uint64_t kernel_stamp(struct nic_probe *p, uint64_t send_tsc,
			     nic_probe_rt_fn rt_to_tsc, void *ctx)
{
	char cbuf[CMSG_SPACE(sizeof(struct timespec))];
	struct probe_frame f;
	struct iovec iov = {.iov_base = &f, .iov_len = sizeof(f)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	const struct probe_frame *pf;
	struct cmsghdr *c;
	struct timespec ts;
	ssize_t n;

	/* delivered during our send(); anything else queued is stale */
	for (int i = 0; i < 64; i++) {
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		n = recvmsg(p->rx_fd, &m, MSG_DONTWAIT);
		if (n < 0)
			return 0;
		pf = ours(p, (const uint8_t *)&f, (size_t)n);
		if (!pf || pf->send_tsc != send_tsc)
			continue;
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level != SOL_SOCKET ||
			    c->cmsg_type != SCM_TIMESTAMPNS)
				continue;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return rt_to_tsc(ctx,
					 (uint64_t)ts.tv_sec * 1000000000ULL +
						 (uint64_t)ts.tv_nsec);
		}
		return 0;
	}
	return 0;
}

int nic_probe_send(struct nic_probe *p, nic_probe_tsc_fn tsc,
		   nic_probe_rt_fn rt_to_tsc, void *ctx)
{
	uint64_t send_tsc = tsc(), ret_tsc, k;
	struct probe_frame f = {
		/* locally administered, nobody's: forwarded, then dropped */
		.dst = {0x02, 0x6c, 0x70, 0x6e, 0x69, 0x63},
		.src = {0x02, 0x6c, 0x70, 0x6e, 0x69, 0x64},
		.type = htons(NIC_PROBE_ETHERTYPE),
		.pid = p->pid,
		.send_tsc = send_tsc,
	};

	memcpy(f.magic, PROBE_MAGIC, sizeof(f.magic));
	if (send(p->tx_fd, &f, sizeof(f), MSG_DONTWAIT) != sizeof(f))
		return -errno;
	ret_tsc = tsc();
	p->sent++;
	k = kernel_stamp(p, send_tsc, rt_to_tsc, ctx);
	/*
	 * The kernel stamps the frame inside send(), before any packet
	 * socket has it; a stamp outside [send_tsc, ret_tsc] was made
	 * elsewhere (at our recvmsg when the kernel had none): send_tsc.
	 */
	if (k > send_tsc && k <= ret_tsc)
		p->stamped_by_kernel++;
	else
		k = send_tsc;
	p->slot[p->next % NIC_PROBE_SLOTS].send_tsc = send_tsc;
	p->slot[p->next % NIC_PROBE_SLOTS].lower_tsc = k;
	p->next++;
	return 0;
}

int nic_probe_match(const struct nic_probe *p, const uint8_t *frame,
		    uint32_t len, uint64_t *lower_tsc)
{
	const struct probe_frame *f = ours(p, frame, len);

	if (!f)
		return 0;
	*lower_tsc = f->send_tsc; /* what we know without the slot */
	for (int i = 0; i < NIC_PROBE_SLOTS; i++)
		if (p->slot[i].send_tsc == f->send_tsc)
			*lower_tsc = p->slot[i].lower_tsc;
	return 1;
}
