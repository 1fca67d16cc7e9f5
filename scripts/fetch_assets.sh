#!/usr/bin/env bash
# Fetches the assets listed in assets/list.tsv into assets/ and verifies each
# file's size and sha256. Source, in order: the mirror folder named by
# DAP_ASSET_MIRROR (same layout, e.g. CI's ../shared/assets), then the URL.
# A checksum mismatch is an error; files already present and correct are kept.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
list="$repo/assets/list.tsv"
dest="$repo/assets"
mirror="${DAP_ASSET_MIRROR:-}"

fetched=0 present=0
while IFS=$'\t' read -r path bytes sha url; do
  [[ -z "$path" || "$path" == \#* || "$path" == "path" ]] && continue
  target="$dest/$path"
  if [[ -f "$target" ]] && [[ "$(sha256sum "$target" | cut -d' ' -f1)" == "$sha" ]]; then
    present=$((present + 1))
    continue
  fi
  mkdir -p "$(dirname "$target")"
  if [[ -n "$mirror" && -f "$mirror/$path" ]]; then
    cp "$mirror/$path" "$target.part"
  elif [[ "$url" != "-" ]]; then
    curl -fsSL --retry 3 -o "$target.part" "$url" || { echo "fetch_assets: download failed: $url" >&2; exit 1; }
  else
    echo "fetch_assets: $path is not in the mirror (DAP_ASSET_MIRROR='${mirror}') and has no download URL" >&2
    exit 1
  fi
  actual=$(sha256sum "$target.part" | cut -d' ' -f1)
  size=$(stat -c %s "$target.part")
  if [[ "$actual" != "$sha" || "$size" != "$bytes" ]]; then
    rm -f "$target.part"
    echo "fetch_assets: checksum mismatch for $path: got sha256 $actual ($size bytes), expected $sha ($bytes bytes)" >&2
    exit 1
  fi
  mv "$target.part" "$target"
  fetched=$((fetched + 1))
done < "$list"
echo "fetch_assets: $fetched fetched, $present already present, all verified"
