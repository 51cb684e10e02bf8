#!/usr/bin/env bash
# Adds a migration of the same name for both providers: scripts/add-migration.sh Name
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/add-migration.sh MigrationName}
dotnet tool restore >/dev/null
dotnet build src/Rosette -v q -nologo >/dev/null
for provider in Sqlite Postgres; do
  dotnet ef migrations add "$name" --no-build --project src/Rosette --context "${provider}RosetteDb" \
    --output-dir "Data/Migrations/$provider"
done
