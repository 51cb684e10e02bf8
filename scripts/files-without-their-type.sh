#!/usr/bin/env bash
# Lists C# files under src/ that declare no type named after the file (docs/architecture.md, "Feature folders and names"):
# a file holds its type (Award.cs: Award) or is named after its use case, whose types it prefixes (IssueBadges.cs:
# IssueBadgesRequest, IssueBadgesHandler). A page model's file (XPage.cshtml.cs) holds XPageModel. Small types bound to the
# file's own type (the cases of a closed hierarchy, the rows of a result) may share its file, so they are not listed.
# Pages are listed too unless they are <Name>Page.cshtml with <Name>PageModel.
set -euo pipefail
cd "$(dirname "$0")/.."
find src -name '*.cs' -not -path '*/Migrations/*' -not -path '*/obj/*' -not -path '*/bin/*' | sort | while read -r file; do
    base=$(basename "$file" .cs)
    base=${base%.cshtml}
    if ! grep -qE "(class|record|struct|interface|enum)( struct| class)? ${base}[A-Za-z0-9_]*\b" "$file"; then
        types=$(grep -oE "^(public |internal )?(sealed |static |abstract |readonly |partial )*(class|record|struct|interface|enum)( struct| class)? [A-Za-z0-9_]+" "$file" \
            | awk '{print $NF}' | paste -sd' ' -)
        echo "$file: ${types:-<no type>}"
    fi
done
find src/Rosette/Features -name '*.cshtml' -not -name '_*' | sort | while read -r page; do
    name=$(basename "$page" .cshtml)
    if [[ $name != *Page ]] || ! grep -qE "class ${name}Model\b" "$page.cs" 2>/dev/null; then
        echo "$page: not <Name>Page.cshtml with <Name>PageModel"
    fi
done
