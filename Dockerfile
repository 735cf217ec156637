# syntax=docker/dockerfile:1
# One image with both programs (DESIGN.md, "Layout"): `ferry` (the entrypoint; runner pods start it as
# `ferry worker ...`) and `ferry-operator` (the operator's Deployment sets `command: [ferry-operator]`).
#   docker build -t ghcr.io/ferry-io/ferry:dev .
# Both are framework-dependent .NET 10 apps using the ASP.NET Core shared framework (metrics and health endpoints).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# ReadyToRun (precompiled code for this runtime identifier) spares every runner pod the JIT at start-up and during
# its first copies; linux-arm64 for arm64 images.
ARG RID=linux-x64
WORKDIR /source
# Restore first, from the project files alone, so that source edits do not invalidate the package layer.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Kube/Ferry.Kube.csproj src/Kube/
COPY src/Api/Ferry.Api.csproj src/Api/
COPY src/SyncRunner/Ferry.SyncRunner.csproj src/SyncRunner/
COPY src/Operator/Ferry.Operator.csproj src/Operator/
RUN dotnet restore src/SyncRunner/Ferry.SyncRunner.csproj -r "$RID" -p:PublishReadyToRun=true \
 && dotnet restore src/Operator/Ferry.Operator.csproj -r "$RID" -p:PublishReadyToRun=true
COPY src/ src/
RUN dotnet publish src/SyncRunner/Ferry.SyncRunner.csproj -c Release -r "$RID" --self-contained false -p:PublishReadyToRun=true --no-restore -o /app \
 && dotnet publish src/Operator/Ferry.Operator.csproj -c Release -r "$RID" --self-contained false -p:PublishReadyToRun=true --no-restore -o /app \
 && rm -f /app/*.pdb /app/*.xml

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# The SFTP backend runs OpenSSH's client as a subprocess (DESIGN.md, "SFTP").
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssh-client \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin nonroot
COPY --from=build /app /app
ENV PATH="/app:${PATH}" \
    DOTNET_NOLOGO=1 \
    HOME=/tmp
# The runner's Prometheus port (juicefs sync's 9567) and the operator's health/metrics port.
EXPOSE 9567 8080
USER 65532:65532
ENTRYPOINT ["/app/ferry"]
