# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# bash completion for latprobe (installed as
# $(PREFIX)/share/bash-completion/completions/latprobe).

_latprobe()
{
	local cur prev words cword
	_init_completion -s 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}

	if [[ ${words[1]} == report ]]; then
		case $prev in
		--svg) COMPREPLY=($(compgen -f -X '!*.svg' -- "$cur") $(compgen -d -- "$cur")); return ;;
		--html) COMPREPLY=($(compgen -f -X '!*.html' -- "$cur") $(compgen -d -- "$cur")); return ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--svg --html --help' -- "$cur"))
		else
			COMPREPLY=($(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur"))
		fi
		return
	fi

	case $prev in
	--attach)
		COMPREPLY=($(compgen -W 'auto fentry kprobe tracepoint' -- "$cur"))
		return ;;
	-o | --output)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--client)
		COMPREPLY=($(compgen -c -- "$cur") $(compgen -f -- "$cur"))
		return ;;
	--callback-style)
		COMPREPLY=($(compgen -W 'plain lws' -- "$cur"))
		return ;;
	--callback | --payload-arg)
		return ;;
	-p | --pid)
		COMPREPLY=($(compgen -W "$(cd /proc 2>/dev/null && echo [0-9]*)" -- "$cur"))
		return ;;
	-c | --comm)
		COMPREPLY=($(compgen -W "$(cat /proc/[0-9]*/comm 2>/dev/null | sort -u)" -- "$cur"))
		return ;;
	--metrics)
		COMPREPLY=($(compgen -W '127.0.0.1:9464 [::1]:9464 :9464' -- "$cur"))
		return ;;
	-d | --duration | -P | --port | --sample-rate | --ringbuf-size | \
		--max-connections | --metrics-max-connections | --poll-interval | \
		--report-every | --report-keep)
		return ;;
	--report-dir | --cgroup)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '--duration --output --pid --port --comm --cgroup
			--sample-rate --attach --client --callback --callback-style --payload-arg --pin --pin-dir --nic-timestamps --ringbuf-size
			--max-connections --metrics --metrics-max-connections --live
			--poll-interval --no-bpf-stats --no-tls-probes --sched --report-every
			--report-keep --report-dir --verbose --quiet --help --version' -- "$cur"))
	elif [[ $cword -eq 1 ]]; then
		COMPREPLY=($(compgen -W 'report' -- "$cur"))
	fi
}
complete -F _latprobe latprobe
