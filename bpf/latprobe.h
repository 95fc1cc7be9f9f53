/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Records shared by the kernel programs and user space. Plain __u* types only:
 * this header is included by the BPF programs (after vmlinux.h) and by src/.
 *
 * Every record in the ring buffer starts with struct lp_hdr; its type says
 * which payload follows and the record is exactly lp_event_size(type) bytes.
 */
#ifndef __LATPROBE_H
#define __LATPROBE_H

#define LP_COMM_LEN 16
#define LP_ADDR_LEN 16

enum lp_event_type {
	LP_EV_SOCK = 1, /* first sight of a traced socket: 4-tuple and owner */
	LP_EV_SEG,	/* tcp_probe: TCP accepted a segment (+ dev_in / NIC stamp,
			 * + the wake-up that followed it in the same softirq) */
	LP_EV_WAKE,	/* sk_data_ready with no segment pending on this CPU */
	LP_EV_READ,	/* tcp_recvmsg returned data */
	LP_EV_CLOSE,	/* socket closed (+ bytes sent): user space frees its state */
	LP_EV_MSG,	/* client USDT: one market-data message, in-process stamps */
	LP_EV_CB,	/* --callback: one call of the client's per-message callback */
	LP_EV_TLS,	/* TLS probes: one SSL_read/SSL_read_ex that returned data */
	LP_EV_READS,	/* up to LP_READS_BATCH reads of one socket (batched) */
	LP_EV_KTLS,	/* kernel TLS: one tls_sw_recvmsg that returned plaintext */
	LP_EV_MAX
};

/* Where a segment's NIC stamp came from (nic_sources in the report). */
enum lp_nic_src {
	LP_NIC_NONE = 0,
	LP_NIC_DPDK_HW,
	LP_NIC_DPDK_TSC,
	LP_NIC_SKB_HW,
	LP_NIC_SKB_SW,
	LP_NIC_DEV_IN,
	LP_NIC_MAX
};

/* Probe slots: one per kernel hook we count; indexes the per-CPU counters. */
enum lp_probe {
	LP_P_RECV_ENTRY = 0, /* tcp_recvmsg entry */
	LP_P_RECV_EXIT,	     /* tcp_recvmsg return */
	LP_P_SEND,	     /* tcp_sendmsg */
	LP_P_CLEANUP,	     /* tcp_cleanup_rbuf */
	LP_P_TCP_PROBE,	     /* tcp_probe */
	LP_P_DATA_READY,     /* sk_data_ready */
	LP_P_DEV_IN,	     /* netif_receive_skb */
	LP_P_STATE,	     /* inet_sock_set_state */
	LP_P_USDT_MSG,	     /* client USDT latprobe:message */
	LP_P_DROP,	     /* sock_rcvqueue_full / udp_fail_queue_rcv_skb */
	LP_P_CB_ENTRY,	     /* --callback uprobe (every call, before filters) */
	LP_P_CB_RETURN,	     /* --callback uretprobe */
	LP_P_TLS_READ,	     /* TLS probes: SSL_read/SSL_read_ex calls traced */
	LP_P_KTLS,	     /* kernel TLS: tls_rx_one_record calls */
	LP_P_SCHED,	     /* sched_switch/sched_wakeup of a followed thread */
	LP_P_MAX
};

/* Per-CPU counters (map "stats"); index with enum lp_stat. */
enum lp_stat {
	LP_S_LOST = 0,	   /* ring-buffer reservations that failed */
	LP_S_SUBMITTED,	   /* records submitted */
	LP_S_FILTERED,	   /* hits dropped by filters before reserving */
	LP_S_SOCK_FULL,	   /* sockets not tracked: socks map full */
	LP_S_WAKEUPS,	   /* forced consumer wake-ups */
	LP_S_RCVQ_FULL,	   /* sock_rcvqueue_full hits (drops) */
	LP_S_UDP_FAIL,	   /* udp_fail_queue_rcv_skb hits (drops) */
	LP_S_CB_NESTED,	   /* --callback: calls made inside another call */
	LP_S_CB_TOO_DEEP,  /* ... nested deeper than LP_CB_DEPTH: not timed */
	LP_S_CB_ABANDONED, /* ... calls that never returned (stack unwound) */
	LP_S_CB_NO_STATE,  /* ... per-thread state map full: not timed */
	LP_S_CB_SKIPPED,   /* ... calls filtered out (lws reason, tgid) */
	LP_S_READS_LOST,   /* reads in LP_EV_READS records that were lost */
	LP_S_HITS,	   /* first of LP_P_MAX per-probe hit counters */
	LP_S_MAX = LP_S_HITS + LP_P_MAX
};

struct lp_hdr {
	__u64 ts_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 sk;    /* struct sock * as an opaque id */
	__u32 tgid;
	__u32 tid;
	__u8 type;
	__u8 cpu_lost; /* reserved, 0 */
	__u16 pad;
	__u32 pad2;
};

struct lp_sock_info {
	__u8 saddr[LP_ADDR_LEN]; /* local, network order (v4 in first 4 bytes) */
	__u8 daddr[LP_ADDR_LEN]; /* remote */
	__u16 sport;		 /* local port, host order */
	__u16 dport;		 /* remote port, host order */
	__u16 family;		 /* AF_INET / AF_INET6 */
	__u16 pad;
	char comm[LP_COMM_LEN];
	__u64 cgroup_id; /* the owner's cgroup v2 id, 0 if unknown (softirq) */
};

/*
 * A segment is held per CPU from tcp_probe until the sk_data_ready that
 * follows it in the same softirq, and both go out as one record: one ring
 * reservation per segment instead of two.
 */
struct lp_seg {
	__u32 seq;	    /* TCP_SKB_CB(skb)->seq */
	__u32 end_seq;	    /* TCP_SKB_CB(skb)->end_seq */
	__u32 rcv_nxt;	    /* before this segment was processed */
	__u32 wake_rcv_nxt; /* rcv_nxt at the wake-up (valid if wake_ns) */
	__u64 dev_ns;	    /* netif_receive_skb of this skb, 0 if unseen */
	__u64 nic_ns;	    /* NIC stamp (CLOCK_MONOTONIC), 0 if none */
	__u64 wake_ns;	    /* sk_data_ready right after it, 0 if none */
	__u8 nic_src;	    /* enum lp_nic_src of nic_ns */
	__u8 pad[7];
};

struct lp_wake {
	__u32 rcv_nxt; /* data available to readers ends here */
	__u32 pad;
};

/*
 * Per-socket segment counters kept in the kernel (join mode, see
 * struct lp_read): cumulative since latprobe first saw the socket; the read,
 * close and exit records carry them and user space adds the difference.
 */
struct lp_seg_counts {
	__u32 in;	/* data segments tcp_probe saw */
	__u32 dup;	/* of which retransmissions of bytes already received */
	__u32 evicted;	/* marks overwritten before a read consumed them */
	__u32 dev;	/* of the rest: those with a dev_in (skb RX) stamp */
};

/* One segment's marks as the kernel joins them to the read that takes it. */
struct lp_mark {
	__u32 seq;
	__u32 end_seq;
	__u64 tcp_ns;  /* tcp_probe */
	__u64 wake_ns; /* sk_data_ready that covered it, 0 if none */
	__u64 dev_ns;  /* the skb's software RX stamp (dev_in), 0 if none */
};

/*
 * Where the reading thread was between a read's wake-up mark and its end
 * (bpf/sched_split.bpf.h): the three add up to that interval.
 */
struct lp_sched_split {
	__u64 runnable_ns; /* sched_delay: woken or preempted, not on a CPU */
	__u64 running_ns;  /* thread_busy: on a CPU (the read included) */
	__u64 sleeping_ns; /* thread_blocked: asleep */
};

/*
 * A read. In join mode (the default) the kernel keeps each socket's pending
 * segment marks in its socket storage and this record carries the mark of
 * the segment that held the read's last byte (has_mark) plus the socket's
 * segment counters (joined): one record per read, none per segment. In per-segment
 * mode (NIC stamps, kprobe reads) has_mark is 0 and LP_EV_SEG records come.
 */
/*
 * The socket's read queue was taken (by the flusher, or a reader on
 * another CPU) and this read left on its own: reads queued before it may
 * arrive after it.
 */
#define LP_READ_F_OVERTOOK 1

struct lp_read {
	__u32 seq_start; /* copied_seq before the read */
	__u32 seq_end;	 /* copied_seq after: bytes [seq_start, seq_end) */
	__s32 ret;	 /* bytes copied (>0) */
	__u8 joined;	 /* join mode: segs is valid */
	__u8 has_mark;	 /* ... and mark is the segment of the last byte */
	__u8 has_sched;	 /* sched is mark.wake_ns -> this read's end, split */
	__u8 flags;	 /* LP_READ_F_* */
	__u64 start_ns;	  /* entry of the read, 0 if unknown */
	__u64 cleanup_ns; /* tcp_cleanup_rbuf, 0 if unseen */
	struct lp_mark mark;
	struct lp_seg_counts segs;
	struct lp_sched_split sched;
};

/*
 * Batched reads (kernel-only runs, bpf/read_batch.bpf.h): a socket's reads
 * wait in its storage and leave LP_READS_BATCH at a time, or when they are
 * flushed (by user space once a second and at exit, at close). Each entry
 * is what an LP_EV_READ record would carry: its header's time and thread,
 * and the read.
 */
#define LP_READS_BATCH 8
struct lp_read_ent {
	__u64 ts_ns; /* the read's return, as lp_hdr.ts_ns */
	__u32 tid;
	__u32 tgid;
	struct lp_read r;
};

struct lp_reads {
	__u32 n; /* entries valid, 1..LP_READS_BATCH */
	__u32 pad;
	struct lp_read_ent ent[LP_READS_BATCH];
};

struct lp_close {
	__u64 bytes_sent; /* bytes the application queued (write_seq moved) */
	struct lp_seg_counts segs; /* valid if has_segs (join mode) */
	__u8 has_segs;
	__u8 pad[7];
};

/*
 * Written by the exit iterator (iter/tcp) for every traced socket still
 * open when latprobe stops: what a close record would have carried.
 */
struct lp_live_sock {
	__u64 sk;
	__u64 bytes_sent;
	struct lp_seg_counts segs;
	__u8 has_segs;
	__u8 pad[7];
};

struct lp_msg {
	__u64 frame_ns;	    /* WebSocket frame complete (CLOCK_MONOTONIC) */
	__u64 parsed_ns;    /* JSON parsed */
	__u64 published_ns; /* handed downstream; 0 if not published */
	__u64 exch_ns;	    /* exchange "E", CLOCK_REALTIME ns; 0 if absent */
	__u64 offset;	    /* stream offset just past the message, 0 if unknown */
	__s32 fd;
	__u32 len; /* payload bytes */
};

/*
 * --callback: one call of the client's per-message function, sent at its
 * return (hdr ts_ns = return). payload: the first bytes of the message when
 * the arguments say where it is (--payload-arg, --callback-style lws);
 * user space reads Binance's "E" from them.
 */
#define LP_CB_PAYLOAD 96
#define LP_CB_DEPTH 8 /* nested calls timed per thread (a power of 2) */
/* libwebsockets' LWS_CALLBACK_CLIENT_RECEIVE (lws-callbacks.h; the lws test
 * client checks this value against the header at build time) */
#define LP_LWS_CLIENT_RECEIVE 8

struct lp_cb {
	__u64 entry_ns;	  /* CLOCK_MONOTONIC at the uprobe */
	__u32 len;	  /* the length argument (bytes), 0 if none */
	__u16 depth;	  /* 0 = outermost call on the thread */
	__u8 ncopied;	  /* payload bytes valid */
	__u8 has_off_cpu; /* --sched: off_cpu_ns was measured */
	char payload[LP_CB_PAYLOAD];
	/* --sched: of entry -> return, the time the thread was off a CPU
	 * (runnable or asleep; bpf/task_sched.bpf.h) */
	__u64 off_cpu_ns;
};

/*
 * One SSL_read/SSL_read_ex (or the libssl function both wrap); h.ts_ns is
 * its return. The kernel reads that returned inside the call (OpenSSL reads
 * a record's header, then its body) travel in this record instead of one
 * record each (bpf/tls_carry.bpf.h): ent[0..n) are h.sk's, in the order
 * they returned, each what an LP_EV_READ record would carry. h.sk is 0 when
 * n is 0 (the correlator finds the socket through the thread's reads).
 * bytes 0: the call returned nothing (or never returned) and the record
 * only carries its reads.
 */
#define LP_TLS_READS 4
struct lp_tls {
	__u64 start_ns; /* entry of the call */
	__u64 bytes;	/* plaintext bytes it returned, 0: reads only (n > 0) */
	__u32 n;	/* reads carried, 0..LP_TLS_READS */
	__u32 pad;
	struct lp_read_ent ent[LP_TLS_READS];
};

/*
 * One kernel TLS read (tls_sw_recvmsg returned plaintext); h.ts_ns is its
 * return, h.sk the socket. bpf/ktls.bpf.h.
 */
struct lp_ktls {
	__u64 decrypt_ns; /* time in tls_rx_one_record, summed over the read */
	__u64 bytes;	  /* plaintext bytes the read returned (> 0) */
	__u32 records;	  /* records the read decrypted (> 0) */
	__u32 pad;
};

struct lp_event {
	struct lp_hdr h;
	union {
		struct lp_sock_info sock;
		struct lp_seg seg;
		struct lp_wake wake;
		struct lp_read read;
		struct lp_close close;
		struct lp_msg msg;
		struct lp_cb cb;
		struct lp_tls tls;
		struct lp_reads reads;
		struct lp_ktls ktls;
	};
};

static inline __u32 lp_event_size(__u8 type)
{
	switch (type) {
	case LP_EV_SOCK:
		return sizeof(struct lp_hdr) + sizeof(struct lp_sock_info);
	case LP_EV_SEG:
		return sizeof(struct lp_hdr) + sizeof(struct lp_seg);
	case LP_EV_WAKE:
		return sizeof(struct lp_hdr) + sizeof(struct lp_wake);
	case LP_EV_READ:
		return sizeof(struct lp_hdr) + sizeof(struct lp_read);
	case LP_EV_CLOSE:
		return sizeof(struct lp_hdr) + sizeof(struct lp_close);
	case LP_EV_MSG:
		return sizeof(struct lp_hdr) + sizeof(struct lp_msg);
	case LP_EV_CB:
		return sizeof(struct lp_hdr) + sizeof(struct lp_cb);
	case LP_EV_TLS: /* the largest: lp_tls_size() is the record's */
		return sizeof(struct lp_hdr) + sizeof(struct lp_tls);
	case LP_EV_READS:
		return sizeof(struct lp_hdr) + sizeof(struct lp_reads);
	case LP_EV_KTLS:
		return sizeof(struct lp_hdr) + sizeof(struct lp_ktls);
	}
	return 0;
}

/*
 * An LP_EV_TLS record ends after its n reads: a call that carries none
 * sends 40 bytes, not 520 (every cache line of the ring the producer
 * writes is one the consumer's CPU read last).
 */
static inline __u32 lp_tls_size(__u32 n)
{
	return sizeof(struct lp_hdr) + sizeof(struct lp_tls) -
	       (LP_TLS_READS - n) * sizeof(struct lp_read_ent);
}

/*
 * --sample-rate: 1 in N connections, deterministic by socket: a mix of the
 * kernel's own 4-tuple hash (skc_hash) and the ports.
 */
static inline __u32 lp_sample_hash(__u32 skc_hash, __u16 lport, __u16 rport)
{
	__u64 x = skc_hash ^ ((__u64)lport << 32) ^ ((__u64)rport << 48);

	return (__u32)((x * 0x9E3779B97F4A7C15ULL) >> 32);
}

/*
 * The registry of sockets latprobe decided about (map "socks", pinned with
 * --pin): written once per socket, deleted at close. The hot path reads the
 * same decision from the socket's own storage (sk_storage) instead.
 */
struct lp_sock_state {
	__u32 tgid;	/* owner seen in process context, 0 until then */
	__u8 traced;	/* 1: passes filters; 0: remembered as filtered out */
	__u8 announced; /* LP_EV_SOCK sent */
	__u8 own_netns; /* in latprobe's network namespace: reads may batch */
	__u8 pad;
	__u64 first_ns;	  /* when latprobe first saw it */
	__u32 write_seq0; /* write_seq then: bytes_sent counts from here */
	__u32 pad2;
};

/*
 * NIC timestamps, written by latprobe-nic, read at tcp_probe (and late by
 * user space). Key = the segment as it travels on the wire: sender
 * address/port first. Addresses network order, v4 in the first four bytes
 * and the rest zero; ports and seq host order.
 */
struct lp_nic_key {
	__u8 saddr[LP_ADDR_LEN];
	__u8 daddr[LP_ADDR_LEN];
	__u16 sport;
	__u16 dport;
	__u32 seq;
};

/*
 * Per-segment mode: the segment held per CPU until its wake-up (BPF map
 * "pending"); user space drains what is left after detach.
 */
struct lp_pending_seg {
	__u64 sk;
	__u64 tcp_ns;
	struct lp_seg seg;
};

/*
 * The pinned map /sys/fs/bpf/latprobe/nic_ts: a BPF_MAP_TYPE_ARRAY with
 * BPF_F_MMAPABLE of 1 + LP_NIC_TS_SLOTS struct lp_nic_slot, which
 * latprobe-nic mmap()s and writes with plain stores (no system call per
 * packet). Element 0 is the header, the stamp of key k is in element
 * lp_nic_slot_of(k), direct-mapped: a stamp that hashes to the same slot
 * overwrites it. One writer per map.
 *
 * Slot: seqcount cnt, odd while the writer stores key, ns and src. The
 * writer takes cnt from its own counter (2 * stamps written + 1, then + 2),
 * so it never reads the slot and no two writes leave the same count. A
 * reader reads cnt, the fields, cnt again: the stamp is good if both counts
 * are the same even number, src is set and the key is the one it wants.
 *
 * Header (element 0): ns = stamps written so far, the generation; the writer
 * bumps it (release) after each burst and continues from it when it starts
 * again. Non-zero means a stamper has published: latprobe starts looking up.
 */
struct lp_nic_slot {
	__u32 cnt; /* seqcount: odd while being written */
	__u8 src;  /* enum lp_nic_src; LP_NIC_NONE: never written */
	__u8 pad[3];
	__u64 ns; /* CLOCK_MONOTONIC of the NIC arrival; header: generation */
	struct lp_nic_key key;
	__u64 pad2; /* one slot, one 64-byte cache line */
};

/*
 * Slots: a power of two. At 14.88 Mpps (10 GbE line rate, minimum frames,
 * every frame a stamped segment) a stamp survives t with probability
 * exp(-14.88e6 * t / 2^18): 99.4 % after 100 us, 94.5 % after 1 ms, 89 %
 * after the 2 ms of user space's late lookup; its mean life is 17.6 ms.
 * 16 MiB of map. At a feed's 1 Mpps: 99.2 % after 2 ms.
 */
#define LP_NIC_TS_SLOTS (1u << 18)
#define LP_NIC_TS_ENTRIES (1 + LP_NIC_TS_SLOTS)
#define LP_NIC_TS_HDR 0

/*
 * The slot of a key, the same in BPF and user space: five 64-bit words of
 * the key folded by multiplication, then a final xor-shift-multiply so that
 * every key bit reaches the bits taken.
 */
static inline __attribute__((always_inline)) __u32
lp_nic_slot_of(const struct lp_nic_key *k)
{
	__u64 w[5], h = 0;

	__builtin_memcpy(w, k, sizeof(w));
	h = (h ^ w[0]) * 0x9E3779B97F4A7C15ULL;
	h = (h ^ w[1]) * 0x9E3779B97F4A7C15ULL;
	h = (h ^ w[2]) * 0x9E3779B97F4A7C15ULL;
	h = (h ^ w[3]) * 0x9E3779B97F4A7C15ULL;
	h = (h ^ w[4]) * 0x9E3779B97F4A7C15ULL;
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ULL;
	return 1 + ((__u32)(h >> 32) & (LP_NIC_TS_SLOTS - 1));
}

/* Map sizes, one per purpose (user space reads some of these maps back). */
#define LP_SOCKS_MAX_ENTRIES 16384  /* traced sockets (socks registry) */
#define LP_DROPS_MAX_ENTRIES 1024   /* local ports with receive-queue drops */
/* threads inside tcp_recvmsg/tcp_sendmsg (start, LRU) */
#define LP_KCALLS_MAX_ENTRIES 16384
/* threads inside a probed client call: --callback, SSL_read (LRU) */
#define LP_UCALLS_MAX_ENTRIES 4096

#define LP_PIN_DIR "/sys/fs/bpf/latprobe"

/*
 * Client USDT contract: provider "latprobe", probe "message", arguments
 *   (int fd, u64 frame_ns, u64 parsed_ns, u64 published_ns,
 *    u64 exch_realtime_ns, u64 stream_offset, u32 len)
 * fired once per market-data message after it was published.
 */
#define LP_USDT_PROVIDER "latprobe"
#define LP_USDT_MESSAGE "message"

#endif /* __LATPROBE_H */
