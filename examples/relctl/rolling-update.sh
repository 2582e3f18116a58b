#!/bin/sh
# An example relctl deploy hook that imitates a Kubernetes rolling update,
# printing the kind of event lines Convox streams during a promotion:
#
#   relctl releases promote -a myapp --hook examples/relctl/rolling-update.sh
#   RELEASE_DEPLOY_HOOK=examples/relctl/rolling-update.sh relctl releases rollback -a myapp
#
# It deploys nothing. A real hook would run kubectl, systemctl or a symlink
# swap here, using what relctl puts in its environment: RELEASE_APP,
# RELEASE_ID, RELEASE_VERSION, RELEASE_BUILD, RELEASE_DESCRIPTION,
# RELEASE_SOURCE, RELEASE_MANIFEST (a file), RELEASE_ENV_FILE (a file of
# KEY=VALUE lines) and RELEASE_STORE. Every line it prints becomes an event;
# exiting non-zero fails the promotion and keeps the previous release active.
#
# ROLLING_UPDATE_PAUSE   seconds between steps (default 1; 0 for tests)
# ROLLING_UPDATE_FAIL=1  the new pod crashes and the update fails
set -eu

: "${RELEASE_APP:?run me as a relctl deploy hook}" "${RELEASE_ID:?}"
pause=${ROLLING_UPDATE_PAUSE:-1}
build=${RELEASE_BUILD:-none}

# Names for the pretend replica set and pod, derived from the ids.
lower() { printf '%s' "$1" | cut -c"$2" | tr '[:upper:]' '[:lower:]'; }
rs="web-$(lower "$RELEASE_ID" 2-10)"
pod="$rs-$(lower "$build" 2-6)"
image="registry.host/convox/$RELEASE_APP:web.$build"

step() { [ "$pause" = 0 ] || sleep "$pause"; }

echo "system/k8s/atom/app Status: Running => Pending"
step
echo "system/k8s/web Scaled up replica set $rs to 1"
echo "system/k8s/$rs Created pod: $pod"
echo "system/k8s/$pod Successfully assigned convox-$RELEASE_APP/$pod to instance-0a1b2c3d4e5f"
echo "system/k8s/$pod Pulling image \"$image\""
step
echo "system/k8s/atom/app Status: Pending => Updating"
echo "system/k8s/$pod Successfully pulled image \"$image\""
echo "system/k8s/$pod Created container main"
echo "system/k8s/$pod Started container main"
if [ "${ROLLING_UPDATE_FAIL:-0}" = 1 ]; then
	step
	echo "system/k8s/$pod Back-off restarting failed container" >&2
	echo "system/k8s/atom/app Status: Updating => Rollback" >&2
	exit 1
fi
step
echo "system/k8s/web Scaled down replica set to 0 (old pods)"
echo "system/k8s/atom/app Status: Updating => Running"
