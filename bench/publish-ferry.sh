# Sourced by the bench scripts: publishes `ferry` as the Docker image ships it (Release, ReadyToRun: precompiled, so
# the JIT does not run during the timed copies) into bench/.publish/ferry and sets FERRY to its path.
case $(uname -m) in aarch64|arm64) FERRY_RID=linux-arm64 ;; *) FERRY_RID=linux-x64 ;; esac
dotnet publish src/SyncRunner -c Release -r "$FERRY_RID" --self-contained false -p:PublishReadyToRun=true \
  -o "$PWD/bench/.publish/ferry" -nologo -v q >/dev/null
FERRY=$PWD/bench/.publish/ferry/ferry
