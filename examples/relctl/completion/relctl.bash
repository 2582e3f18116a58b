# bash completion for relctl(1), the librelease command line.
#
# Completes commands and their words, each command's options (those of
# `relctl help COMMAND`), option values with a fixed set of choices, files
# and directories where an option or a word takes one, and the names of
# existing apps. App names come from `relctl apps` on the store the command
# line names (--store, else $RELEASE_STORE, else the default store), opened
# read-only when it is a file store and given 2 seconds; only words that are
# valid app names are offered, and nothing read from the store is evaluated.
# It needs bash alone, not the bash-completion package.
#
# tests/check_completion.py checks these lists against relctl's help.

# Each command's words, '|', its own options. A command whose options end
# with '|-' takes no global option (store copy: its stores are its words).
_relctl_commands=(
	'apps|--json'
	'apps create|--id'
	'apps delete|'
	'apps info|--json'
	'apps hook|--json'
	'apps hook set|--file'
	'apps hook unset|'
	'builds|--json --limit'
	'builds create|--id --description --manifest --status --log'
	'builds info|--json'
	'builds logs|--json --follow'
	'builds logs append|--log'
	'builds set-status|--id'
	'builds export|--file'
	'builds import|--id --file'
	'releases|--json --limit --before --watch'
	'releases info|--json --reveal'
	'releases manifest|--json'
	'releases promote|--id --hook --hook-timeout --force'
	'releases rollback|--id --hook --hook-timeout --force'
	'releases create-from|--build-from --use-active-release-build --env-from --use-active-release-env --id --promote --hook --hook-timeout'
	'releases prune|--keep'
	'releases history|--json --limit --before --at'
	'releases diff|--json --reveal'
	'releases wait|--for --since --timeout'
	'env|--release --json --reveal'
	'env get|--release --json'
	'env set|--release --id --file --stdin --replace --promote --hook --hook-timeout'
	'env unset|--release --id --promote --hook --hook-timeout'
	'env edit|--release --id --promote --hook --hook-timeout'
	'env mask|--json'
	'env mask set|'
	'env mask unset|'
	'store copy|--mirror --app --help|-'
)
# The options every other command takes, and those alone on the command line.
_relctl_globals='--app --store --actor --help'
_relctl_top='--app --store --actor --help --version'
# The options that take a value (the next word, or after '=').
_relctl_valued=' --app -a --store --actor --limit --before --description -d --manifest -m '
_relctl_valued+='--status --hook --hook-timeout --file -f --log --release --build-from '
_relctl_valued+='--env-from --keep --at --timeout --for --since '
# Commands whose first word after the command is an existing app.
_relctl_app_word='|apps delete|apps info|apps hook|releases history|releases wait|'

# Adds to COMPREPLY each argument that starts with $cur (compared as text:
# nothing here is expanded).
_relctl_offer() {
	local w
	for w; do
		[[ $w == "$cur"* ]] && COMPREPLY+=("$w")
	done
}

# The store a word names, as relctl would open it to list apps: a file store
# read-only. Fails for a word that would need the shell to read it (quotes,
# escapes, expansions).
_relctl_store_ro() {
	local s=$1
	[[ $s == "~/"* ]] && s=$HOME/${s#"~/"}
	[[ $s == *[\'\"\\\$\`]* ]] && return 1
	case $s in
	'') s='file:?mode=ro' ;;
	*'?'*) ;;
	file:*) s+='?mode=ro' ;;
	[A-Za-z]*:*) ;;
	*) s+='?mode=ro' ;;
	esac
	printf '%s' "$s"
}

# Offers the apps of the store ($1: relctl, $2: the --store given, if any).
_relctl_offer_apps() {
	local relctl=$1 store name rest
	command -v timeout >/dev/null 2>&1 || return 0
	store=$(_relctl_store_ro "${2:-${RELEASE_STORE:-}}") || return 0
	while read -r name rest; do
		[[ $name =~ ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ ]] && _relctl_offer "$name"
	done < <(timeout 2 "$relctl" apps --store "$store" 2>/dev/null)
}

_relctl() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local i w opt='' store='' help=0 ended=0
	local -a words=()
	COMPREPLY=()

	# The words before the one completed: options (and their values) aside.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if ((ended)) || [[ $w != -* ]]; then
			words+=("$w")
		elif [[ $w == -- ]]; then
			ended=1
		elif [[ $_relctl_valued == *" $w "* ]]; then
			# --opt VALUE, or --opt = VALUE as bash splits --opt=VALUE
			((i + 1 < COMP_CWORD)) && [[ ${COMP_WORDS[i+1]} == = ]] && ((i++))
			((i + 1 < COMP_CWORD)) && [[ $w == --store ]] && store=${COMP_WORDS[i+1]}
			((i++))
		fi
	done
	if [[ ${words[0]-} == help ]]; then
		help=1
		words=("${words[@]:1}")
	fi

	# An option's value.
	if ((!ended)); then
		if [[ $cur == = && $_relctl_valued == *" $prev "* ]]; then
			opt=$prev
			cur=''
		elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
			opt=${COMP_WORDS[COMP_CWORD-2]}
		elif [[ $_relctl_valued == *" $prev "* ]]; then
			opt=$prev
		fi
		[[ $opt != -* || $_relctl_valued != *" $opt "* ]] && opt=''
	fi
	case $opt in
	'') ;;
	--store)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return 0 ;;
	--file | -f | --manifest | -m | --log)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0 ;;
	--app | -a)
		_relctl_offer_apps "$1" "$store"
		return 0 ;;
	--status) _relctl_offer created running complete failed; return 0 ;;
	--for) _relctl_offer promotion release any; return 0 ;;
	--since) _relctl_offer none; return 0 ;;
	*) return 0 ;;
	esac

	# The command the words name (the longest), and the words that may come
	# next.
	local entry cmd='' cmdopts='' typed="${words[*]}" rest
	local -a next=()
	for entry in "${_relctl_commands[@]}"; do
		w=${entry%%|*}
		if [[ " $typed " == " $w "* && ${#w} -gt ${#cmd} ]]; then
			cmd=$w
			cmdopts=${entry#*|}
		fi
		if [[ -z $typed ]]; then
			rest=$w
		elif [[ $w == "$typed "* ]]; then
			rest=${w#"$typed "}
		else
			continue
		fi
		[[ " ${next[*]} " == *" ${rest%% *} "* ]] || next+=("${rest%% *}")
	done

	if [[ $cur == -* ]] && ((!ended)); then
		if [[ -z $cmd ]]; then
			_relctl_offer $_relctl_top
		elif [[ $cmdopts == *'|-' ]]; then
			_relctl_offer ${cmdopts%|-}
		else
			_relctl_offer $cmdopts $_relctl_globals
		fi
		return 0
	fi
	if ((help)); then
		_relctl_offer "${next[@]}"
		return 0
	fi
	((${#words[@]} == 0)) && _relctl_offer help
	_relctl_offer "${next[@]}"
	# The first word after the command: an app, or a store.
	local -a cmdwords=($cmd)
	local nargs=$((${#words[@]} - ${#cmdwords[@]}))
	if [[ -n $cmd && $nargs -eq 0 && $_relctl_app_word == *"|$cmd|"* ]]; then
		_relctl_offer_apps "$1" "$store"
	elif [[ $cmd == 'store copy' && $nargs -lt 2 ]]; then
		compopt -o filenames 2>/dev/null
		mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -d -- "$cur")
	fi
	return 0
}
complete -F _relctl relctl
