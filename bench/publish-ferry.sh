# Sourced by the bench scripts: publishes `ferry` as the Docker image ships it (Release, ReadyToRun: precompiled, so
# the JIT does not run during the timed copies) into bench/.publish/ferry and sets FERRY to its path.
case $(uname -m) in aarch64|arm64) FERRY_RID=linux-arm64 ;; *) FERRY_RID=linux-x64 ;; esac
publish_ferry() {
  dotnet publish src/SyncRunner -c Release -r "$FERRY_RID" --self-contained false -p:PublishReadyToRun=true \
    -o "$PWD/bench/.publish/ferry" -nologo -v q >/dev/null
}
publish_ferry
FERRY=$PWD/bench/.publish/ferry/ferry
# An incremental ReadyToRun publish after other Release builds has produced a binary that aborts at start-up (SIGABRT
# in the runtime, even for --version); a clean RID build fixes it.
if ! "$FERRY" --version >/dev/null 2>&1; then
  echo "bench: the published ferry does not start; publishing again from a clean $FERRY_RID build" >&2
  rm -rf src/*/obj/Release/net10.0/"$FERRY_RID" src/*/bin/Release/net10.0/"$FERRY_RID" bench/.publish/ferry
  publish_ferry
  "$FERRY" --version >/dev/null
fi
