#!/usr/bin/env bash
# Regenerates crds/ from the C# types in src/Api. The same test fails in CI when crds/ is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
FERRY_UPDATE_CRDS=1 dotnet test tests/Ferry.Api.Tests --filter "FullyQualifiedName~CrdGeneratorTests.GenerateAllYaml_MatchesCommittedFiles" "$@"
