# shellcheck shell=bash
# Shared by scripts/profile_io.sh, socket_stress.sh and socket_load.sh (issue 5).
# Source it; it sets ROOT, BUILD, RESULTS_DIR, WORK and a cleanup trap that
# stops every process registered with sl_track and deletes the netns, if any.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SL_T0=$(date +%s)
SL_PIDS=()
SL_NETNS=
SL_SYSCTL_RESTORE=()

sl_log()
{
	printf '[%s +%3ss] %s\n' "$SL_NAME" "$(($(date +%s) - SL_T0))" "$*" >&2
}

sl_die()
{
	sl_log "error: $*"
	exit 1
}

# Linux-only checks: anything else exits 2, as documented.
sl_require_linux()
{
	if [ "$(uname -s)" != Linux ] || [ ! -r /proc/self/stat ]; then
		echo "$SL_NAME: needs Linux with /proc (found $(uname -s)); skipping" >&2
		exit 2
	fi
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 ||
			{ echo "$SL_NAME: needs '$t' (make deps)" >&2; exit 2; }
	done
}

# sl_param VAR DEFAULT "what it is": take VAR from the environment or the
# default, print it, and record it for the artifact's "parameters".
sl_param()
{
	local var=$1 def=$2 what=$3
	[ -n "${!var+x}" ] || printf -v "$var" '%s' "$def"
	printf '  %-22s = %-14s (default %s) %s\n' "$var" "${!var}" "$def" "$what" >&2
	printf '%s\t%s\n' "$var" "${!var}" >>"$WORK/params.tsv"
}

sl_track()
{
	SL_PIDS+=("$@")
}

# Stop a process we started: TERM, then KILL after a grace period.
sl_stop()
{
	local pid=$1 sig=${2:-TERM} i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -"$sig" "$pid" 2>/dev/null
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
}

sl_cleanup()
{
	local rc=$? pid i
	trap - EXIT INT TERM
	set +e
	for pid in "${SL_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for i in 1 2 3 4 5 6 7 8 9 10; do
		local alive=0
		for pid in "${SL_PIDS[@]}"; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		[ $alive = 0 ] && break
		sleep 0.2
	done
	for pid in "${SL_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	for i in "${SL_SYSCTL_RESTORE[@]}"; do
		sysctl -q -w "$i" >/dev/null 2>&1
	done
	[ -n "$SL_NETNS" ] && ip netns del "$SL_NETNS" 2>/dev/null
	[ -n "${WORK:-}" ] && [ -z "${SL_KEEP_WORK:-}" ] && rm -rf "$WORK"
	exit $rc
}

sl_init()
{
	SL_NAME=$1
	BUILD=${BUILD:-${LP_BUILD:-$ROOT/build}}
	RESULTS_DIR=${RESULTS_DIR:-$ROOT/results}
	WORK=$(mktemp -d "/tmp/$SL_NAME.XXXXXX")
	trap sl_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mkdir -p "$RESULTS_DIR"
	: >"$WORK/params.tsv"
	printf '%s\t%s\n' RESULTS_DIR "$RESULTS_DIR" >>"$WORK/params.tsv"
}

# sl_wait_line FILE REGEX SECONDS [PID]: wait until FILE has a line matching
# REGEX; fail early if PID died.
sl_wait_line()
{
	local file=$1 re=$2 secs=$3 pid=${4:-} i
	for i in $(seq 1 $((secs * 20))); do
		grep -qE "$re" "$file" 2>/dev/null && return 0
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			return 1
		fi
		sleep 0.05
	done
	return 1
}

# sl_proc_sample PID: one JSON object from /proc/PID/{stat,status,schedstat}.
# stat's utime/stime/minflt/majflt cover the whole thread group (exited
# threads included); status's context switches and schedstat are the main
# thread's only.
sl_proc_sample()
{
	local pid=$1 s vcs nvcs hwm rss run
	s=$(cat "/proc/$pid/stat" 2>/dev/null) || { echo null; return; }
	s=${s##*) }
	# shellcheck disable=SC2086
	set -- $s
	vcs=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$pid/status")
	nvcs=$(awk '/^nonvoluntary_ctxt_switches/ {print $2}' "/proc/$pid/status")
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
	run=$(awk '{print $1}' "/proc/$pid/schedstat" 2>/dev/null)
	printf '{"utime_ticks": %s, "stime_ticks": %s, "minflt": %s, "majflt": %s, ' \
		"${12}" "${13}" "${8}" "${10}"
	printf '"threads": %s, "voluntary_ctxt_switches": %s, ' "${18}" "${vcs:-0}"
	printf '"nonvoluntary_ctxt_switches": %s, "vm_hwm_kb": %s, "vm_rss_kb": %s, ' \
		"${nvcs:-0}" "${hwm:-0}" "${rss:-0}"
	printf '"main_thread_run_ns": %s, "clk_tck": %s}\n' "${run:-0}" "$(getconf CLK_TCK)"
}

# latprobe is optional: "none" when not built (or LATPROBE=none), else its path.
sl_find_latprobe()
{
	local lp=${LATPROBE:-$ROOT/latprobe}
	if [ "$lp" = none ] || [ ! -x "$lp" ]; then
		echo none
	else
		echo "$lp"
	fi
}

# sl_start_latprobe OUT_JSON PORT DURATION ERRFILE: start latprobe, wait
# LATPROBE_WARMUP seconds for it to attach; sets LP_PID, or leaves it empty if
# latprobe exited during the warm-up (the reason is in ERRFILE). Not to be
# called in a subshell: the pid must reach the cleanup list.
sl_start_latprobe()
{
	local out=$1 port=$2 dur=$3 err=$4
	"$LATPROBE_BIN" --duration "$dur" --port "$port" --output "$out" --quiet \
		</dev/null >"$err" 2>&1 &
	LP_PID=$!
	sl_track "$LP_PID"
	sleep "$LATPROBE_WARMUP"
	kill -0 "$LP_PID" 2>/dev/null || LP_PID=
}

# sl_stop_latprobe PID ERRFILE: SIGINT (latprobe then writes its report);
# KILL after LATPROBE_STOP_TIMEOUT seconds, noted in ERRFILE.
sl_stop_latprobe()
{
	local pid=$1 err=$2 i t0
	t0=$(date +%s%3N)
	kill -INT "$pid" 2>/dev/null
	for i in $(seq 1 $((${LATPROBE_STOP_TIMEOUT:-60} * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "latprobe still running ${LATPROBE_STOP_TIMEOUT:-60} s after SIGINT: killed" >>"$err"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null || true
	t0=$(($(date +%s%3N) - t0))
	printf '%d.%03d\n' $((t0 / 1000)) $((t0 % 1000)) >"${err%.err}.stop_s"
}

# sl_report KIND: hand the raw files in $WORK to the report writer.
sl_report()
{
	python3 "$ROOT/scripts/socketlab_report.py" "$1" "$WORK" "$RESULTS_DIR"
}
