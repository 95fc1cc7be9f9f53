# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Shared by the DPDK scripts and tests (sourced; every DPDK program they start
# gets --no-pci, never this machine's own NIC): hugepages reserved and
# given back, a run's files removed, and the mempool drivers a secondary
# must load to match its primary.
#
#   dpdk_hugepages_take N   reserve N more 2 MiB pages (mounting hugetlbfs
#                           if needed); returns 1 with a reason on stderr
#   dpdk_hugepages_give     undo dpdk_hugepages_take
#   dpdk_forget PREFIX      remove a --file-prefix's hugepage and run files
#   dpdk_secondary_d BIN    prints "-d LIB" for each librte_mempool_* BIN
#                           links directly
#   $DPDK_BASE_VA           EAL option for primaries that secondaries join
#   wait_for FILE PAT SECS  until FILE (a DPDK program's log) shows PAT

DPDK_HP_PREV=
DPDK_HP_MOUNTED=0
# A primary's memory where a secondary can map it at the same addresses even
# when the secondary is built with ASan (make test SANITIZE=1): DPDK's
# default, 0x100000000, is inside ASan's shadow gap.
DPDK_BASE_VA=--base-virtaddr=0x200000000000

dpdk_hugepages_take() {
	local want=$1 free
	if ! mountpoint -q /dev/hugepages; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages || {
			echo "cannot mount hugetlbfs on /dev/hugepages" >&2
			return 1
		}
		DPDK_HP_MOUNTED=1
	fi
	DPDK_HP_PREV=$(cat /proc/sys/vm/nr_hugepages)
	free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	[ "$free" -ge "$want" ] && return 0
	echo $((DPDK_HP_PREV + want - free)) >/proc/sys/vm/nr_hugepages
	free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	[ "$free" -ge "$want" ] || {
		echo "cannot reserve $want 2 MiB hugepages (got $free free)" >&2
		return 1
	}
}

dpdk_hugepages_give() {
	[ -n "$DPDK_HP_PREV" ] && echo "$DPDK_HP_PREV" >/proc/sys/vm/nr_hugepages
	if [ "$DPDK_HP_MOUNTED" = 1 ]; then
		umount /dev/hugepages 2>/dev/null && rmdir /dev/hugepages
	fi
	DPDK_HP_PREV=
	DPDK_HP_MOUNTED=0
}

dpdk_forget() {
	[ -n "$1" ] || return 0
	rm -f /dev/hugepages/"$1"*
	rm -rf /var/run/dpdk/"$1"
}

# A secondary must register mempool drivers in the primary's order, or the
# primary cannot allocate pdump copies from the secondary's pool: load the
# ones the primary links directly first (Debian's dpdk-testpmd links
# librte_mempool_dpaa).
dpdk_secondary_d() {
	local l
	for l in $(ldd "$1" | awk '/librte_mempool_/ {print $3}'); do
		printf -- '-d %s ' "$l"
	done
}

wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -aq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
