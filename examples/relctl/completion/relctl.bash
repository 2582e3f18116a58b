# bash completion for relctl(1), the librelease command line.
#
# Completes commands and their words, each command's options (those of
# `relctl help COMMAND`), option values with a fixed set of choices, files
# and directories where an option or a word takes one, and the names of
# existing apps. App names come from `relctl apps` on the store the command
# line names (--store, else $RELEASE_STORE, else the default store), given 2
# seconds (3 for one that ignores SIGTERM) and never written: a file store is
# opened read-only whatever options its URI gives, and PostgreSQL in a
# read-only session (PGOPTIONS). Only words that are valid app names are
# offered, and nothing read from the store is evaluated.
#
# Bash splits the words it passes at the characters of COMP_WORDBREAKS
# (':', '=' and '@' among them): a store URI, a time and --opt=VALUE are put
# together again, and what is offered is cut to what readline replaces.
# Shell options (set -u, failglob, nocasematch...), IFS, and aliases or
# functions named like the commands it runs do not change what it does.
# It needs bash alone, not the bash-completion package; every name it
# defines starts with _relctl.
#
# tests/check_completion.py checks these lists against relctl's help, on
# command lines as an interactive bash splits them.

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
	'releases promote|--id --hook --hook-timeout --force --if-pending'
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
# The options that take a value: the next word, or after '=' (a short one's
# right after its letter).
_relctl_valued=' --app -a --store --actor --limit --before --description -d --manifest -m '
_relctl_valued+='--status --hook --hook-timeout --file -f --log --release --build-from '
_relctl_valued+='--env-from --keep --at --timeout --for --since '
# Commands whose first word after the command is an existing app.
_relctl_app_word='|apps delete|apps info|apps hook|releases history|releases wait|'

# Adds to _relctl_found each argument that starts with $_relctl_cur
# (compared as text: nothing here is expanded).
_relctl_offer() {
	local w
	for w; do
		[[ $w == "$_relctl_cur"* ]] && _relctl_found+=("$w")
	done
}

# The store a word names, opened so that listing its apps writes nothing:
# a file store read-only, its own options (after the last '?', when what
# follows is empty or holds a '=', as the library reads them) replaced. Fails
# for a word that would need the shell to read it (quotes, escapes,
# expansions), and for a PostgreSQL URI that sets libpq's options or a
# service, which would override the read-only session PGOPTIONS asks for.
_relctl_store_ro() {
	local s=$1 q
	[[ $s == '~' || $s == '~/'* ]] && s=${HOME-}${s#'~'}
	[[ $s == *[\'\"\\\$\`]* ]] && return 1
	if [[ -z $s || $s == file:* || ! $s =~ ^[A-Za-z][A-Za-z0-9+.-]*: ]]; then
		q=${s##*\?}
		[[ $s == *\?* && ( -z $q || $q == *=* ) ]] && s=${s%\?*}
		s=${s:-file:}?mode=ro
	elif [[ $s == postgres*://* && ( $s == *[?\&]options=* || $s == *[?\&]service=* ) ]]; then
		return 1
	fi
	printf '%s' "$s"
}

# Offers the apps of the store ($1: relctl, $2: the --store given, if any):
# the first word of each line of `relctl apps`, when it is a valid app name
# (1 to 63 of a-z, 0-9 and '-', a letter or digit at each end). The listing
# is read whole first, so that a long one is not cut short by the timeout
# while it is checked; the checks are patterns, not =~, which bash compiles
# again for every line.
_relctl_offer_apps() {
	local relctl=$1 store line name an='abcdefghijklmnopqrstuvwxyz0123456789'
	local -a lines=()
	command -v timeout >/dev/null 2>&1 || return 0
	store=$(_relctl_store_ro "${2:-${RELEASE_STORE-}}") || return 0
	mapfile -t lines < <(PGOPTIONS="${PGOPTIONS:+$PGOPTIONS }-c default_transaction_read_only=on" \
		command timeout -k 1 2 "$relctl" apps --store "$store" 2>/dev/null)
	for line in "${lines[@]}"; do
		line=${line#"${line%%[![:space:]]*}"}
		name=${line%%[[:space:]]*}
		[[ $name == "$_relctl_cur"* && ${#name} -le 63 && $name == [$an]* &&
		   $name == *[$an] && $name != *[!$an-]* ]] && _relctl_found+=("$name")
	done
}

# Offers the directories a store word may name: DIR, or file:DIR.
_relctl_offer_dirs() {
	local prefix='' d
	[[ $_relctl_cur == file:* ]] && prefix=file:
	_relctl_filenames=1
	while IFS= read -r d; do
		_relctl_found+=("$prefix$d")
	done < <(compgen -d -- "${_relctl_cur#"$prefix"}")
}

# The words of the command line up to the cursor, in _relctl_words, as
# relctl will get them: bash splits COMP_WORDS at ':', '=' and '@' too
# (file:/x is 'file', ':', '/x'), so a piece of those characters alone is
# joined to the word before it, and the piece after it to it, when no blank
# separates them on the line. The last word is the one completed, up to the
# cursor.
_relctl_split() {
	local line=${COMP_LINE:0:COMP_POINT} rest w i n glue=0 blank
	_relctl_words=()
	for ((i = 0; i <= COMP_CWORD; i++)); do
		rest=${line#"${line%%[![:space:]]*}"}
		blank=$((${#rest} < ${#line}))
		w=${COMP_WORDS[i]-}
		if ((i == COMP_CWORD)); then
			w=$rest
		elif [[ $rest != "$w"* ]]; then
			# COMP_LINE does not read as COMP_WORDS: take them as they are.
			_relctl_words=("${COMP_WORDS[@]:1:COMP_CWORD}")
			return
		fi
		line=${rest:${#w}}
		((i == 0)) && continue
		n=${#_relctl_words[@]}
		if ((n && !blank)) && [[ $glue == 1 || ( -n $w && $w != *[!:=@]* ) ]]; then
			_relctl_words[n-1]+=$w
		else
			_relctl_words+=("$w")
		fi
		glue=0
		[[ -n $w && $w != *[!:=@]* ]] && glue=1
	done
}

# What to offer for the command line: _relctl_found (whole words, or the
# value after _relctl_lead, e.g. '--store='), from _relctl_cur.
_relctl_find() {
	local i w n opt='' store='' help=0 ended=0
	local -a words=()

	# The words before the one completed: options (and their values) aside.
	n=${#_relctl_words[@]}
	_relctl_cur=${_relctl_words[n-1]}
	for ((i = 0; i < n - 1; i++)); do
		w=${_relctl_words[i]}
		if ((ended)) || [[ $w != -?* ]]; then
			words+=("$w")
		elif [[ $w == -- ]]; then
			ended=1
		elif [[ $w == --*=* ]]; then
			[[ ${w%%=*} == --store ]] && store=${w#*=}
		elif [[ $_relctl_valued == *" $w "* ]]; then
			# its value is the next word: the one completed, or one before
			if ((i + 1 == n - 1)); then
				opt=$w
			else
				[[ $w == --store ]] && store=${_relctl_words[i+1]}
				((++i))
			fi
		fi
	done
	if [[ ${words[0]-} == help ]]; then
		help=1
		words=("${words[@]:1}")
	fi

	# An option's value: after the option, after its '=', or after a short
	# option's letter.
	if ((!ended)) && [[ -z $opt ]]; then
		if [[ $_relctl_cur == --*=* && $_relctl_valued == *" ${_relctl_cur%%=*} "* ]]; then
			opt=${_relctl_cur%%=*}
		elif [[ $_relctl_cur == -[!-]?* && $_relctl_valued == *" ${_relctl_cur:0:2} "* ]]; then
			opt=${_relctl_cur:0:2}
		fi
		if [[ -n $opt ]]; then
			_relctl_lead=${_relctl_cur:0:${#opt}}
			[[ $_relctl_cur == --*=* ]] && _relctl_lead+='='
			_relctl_cur=${_relctl_cur:${#_relctl_lead}}
		fi
	fi
	case $opt in
	'') ;;
	--store) _relctl_offer_dirs; return ;;
	--file | -f | --manifest | -m | --log)
		_relctl_filenames=1
		mapfile -t _relctl_found < <(compgen -f -- "$_relctl_cur")
		return ;;
	--app | -a) _relctl_offer_apps "$1" "$store"; return ;;
	--status) _relctl_offer created running complete failed; return ;;
	--for) _relctl_offer promotion release any; return ;;
	--since) _relctl_offer none; return ;;
	*) return ;;
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
		[[ " ${next[*]-} " == *" ${rest%% *} "* ]] || next+=("${rest%% *}")
	done

	if [[ $_relctl_cur == -* ]] && ((!ended)); then
		if [[ -z $cmd ]]; then
			_relctl_offer $_relctl_top
		elif [[ $cmdopts == *'|-' ]]; then
			_relctl_offer ${cmdopts%|-}
		else
			_relctl_offer $cmdopts $_relctl_globals
		fi
		return
	fi
	if ((help)); then
		_relctl_offer "${next[@]}"
		return
	fi
	((${#words[@]} == 0)) && _relctl_offer help
	_relctl_offer "${next[@]}"
	# The first word after the command: an app, or a store.
	local -a cmdwords=($cmd)
	local nargs=$((${#words[@]} - ${#cmdwords[@]}))
	if [[ -n $cmd && $nargs -eq 0 && $_relctl_app_word == *"|$cmd|"* ]]; then
		_relctl_offer_apps "$1" "$store"
	elif [[ $cmd == 'store copy' && $nargs -lt 2 ]]; then
		_relctl_offer_dirs
	fi
}

# The completion function: the shell's options that change how words match
# or split are set as _relctl_find needs them, and put back after.
_relctl() {
	local IFS=$' \t\n' _relctl_cur='' _relctl_lead='' _relctl_filenames=0 pre='' brk='' w
	local -a _relctl_words=() _relctl_found=()
	local nocase=0 nounset=0
	shopt -q nocasematch && nocase=1 && shopt -u nocasematch
	[[ $- == *u* ]] && nounset=1 && set +u
	COMPREPLY=()
	_relctl_split
	((${#_relctl_words[@]})) && _relctl_find "$1"
	((_relctl_filenames)) && compopt -o filenames 2>/dev/null
	# Readline replaces the text after the word's last character of
	# COMP_WORDBREAKS among ':', '=' and '@': the rest is cut off.
	[[ $COMP_WORDBREAKS == *:* ]] && brk+=':'
	[[ $COMP_WORDBREAKS == *=* ]] && brk+='='
	[[ $COMP_WORDBREAKS == *@* ]] && brk+='@'
	w=$_relctl_lead$_relctl_cur
	[[ -n $brk && $w == *[$brk]* ]] && pre=${w%"${w##*[$brk]}"}
	for w in "${_relctl_found[@]}"; do
		w=$_relctl_lead$w
		[[ $w == "$pre"* ]] && COMPREPLY+=("${w#"$pre"}")
	done
	((nocase)) && shopt -s nocasematch
	((nounset)) && set -u
	return 0
}
complete -F _relctl relctl
