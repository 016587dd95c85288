# bash completion for netheal(8)                           -*- shell-script -*-
# Installed as BASHCOMPLETIONDIR/netheal: subcommands, their options, files
# for -c/--config, --as and check's FILEs, namespace names for --netns (the
# entries of the namespace directory: --netns-dir on the line, else
# /run/netns, else what `ip netns list` prints).

_netheal_netns_names()
{
	local dir=$1 f
	if [[ -d $dir && -r $dir ]]; then
		for f in "$dir"/*; do
			[[ -e $f ]] && printf '%s\n' "${f##*/}"
		done
	elif type ip &>/dev/null; then
		ip netns list 2>/dev/null | while read -r f _; do printf '%s\n' "$f"; done
	fi
}

_netheal_files()
{
	if declare -F _filedir &>/dev/null; then
		_filedir "$@"
	elif [[ ${1:-} == -d ]]; then
		COMPREPLY=($(compgen -d -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}

_netheal()
{
	local cur prev words cword
	if declare -F _init_completion &>/dev/null; then
		_init_completion || return
	else
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
	fi

	local commands='check plan apply run monitor status export'
	if ((cword == 1)); then
		COMPREPLY=($(compgen -W "$commands --version --help" -- "$cur"))
		return
	fi
	local cmd=${words[1]} netns_dir=/run/netns i
	for ((i = 2; i < cword; i++)); do
		case ${words[i]} in
		--netns-dir) netns_dir=${words[i + 1]} ;;
		--netns-dir=*) netns_dir=${words[i]#*=} ;;
		esac
	done

	case $prev in
	-c | --config | --status-file | --as)
		_netheal_files
		return
		;;
	--netns-dir)
		_netheal_files -d
		return
		;;
	--log)
		COMPREPLY=($(compgen -W 'stderr journal auto' -- "$cur"))
		return
		;;
	-n | --netns)
		local names
		names=$(_netheal_netns_names "$netns_dir")
		# monitor takes '-' for the host namespace
		[[ $cmd == monitor ]] && names+=$'\n-'
		local IFS=$'\n'
		COMPREPLY=($(compgen -W "$names" -- "$cur"))
		return
		;;
	esac

	local opts='-c --config -h --help'
	case $cmd in
	check) opts+=' --strict --as' ;;
	plan) opts+=' --json' ;;
	apply) ;;
	run) opts+=' --audit --strict --netns-dir --log -v --verbose' ;;
	monitor) opts+=' -n --netns --netns-dir --dump -v --verbose' ;;
	status) opts+=' --json --problems --status-file' ;;
	export) opts+=' --netns' ;;
	*) return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ $cmd == check ]]; then
		# netheal check FILE...: policy files
		_netheal_files
	fi
} &&
	complete -F _netheal netheal
