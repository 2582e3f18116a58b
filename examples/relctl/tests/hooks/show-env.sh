#!/bin/sh
# A test hook: prints what relctl gives a hook, one event a line.
echo "app=$RELEASE_APP id=$RELEASE_ID version=$RELEASE_VERSION build=$RELEASE_BUILD"
echo "description=$RELEASE_DESCRIPTION"
echo "source=$RELEASE_SOURCE store=$RELEASE_STORE"
echo "manifest file $(stat -L -c %a "$RELEASE_MANIFEST") in $(dirname "$RELEASE_MANIFEST"):"
sed 's/^/  /' "$RELEASE_MANIFEST"
echo "env file $(stat -L -c %a "$RELEASE_ENV_FILE") in $(dirname "$RELEASE_ENV_FILE"):"
sed 's/^/  /' "$RELEASE_ENV_FILE"
echo "stdin: $(cat)"
